// examples/attest.ts: writes a report and its chain that openssl alone verifies.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { main } from "../examples/attest.ts";

async function openssl(dir: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: r.success, out: text(r.stdout) + text(r.stderr) };
}

async function quietly(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const { log, error } = console;
  console.log = console.error = (...a: unknown[]) => out.push(a.join(" "));
  try {
    return { code: await main(args), out: out.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("example attest: the files verify with the printed openssl commands", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "attest_" });
  try {
    const { code, out } = await quietly(["--out", dir, "--seed", "2"]);
    assert.equal(code, 0, out);
    assert.match(out, /report: valid/);
    assert.match(out, /openssl verify -CAfile ark\.pem -untrusted ask\.pem vcek\.pem/);
    const report = await Deno.readFile(`${dir}/report.bin`);
    assert.equal(report.length, 0x4a0);
    try {
      await openssl(dir, "version");
    } catch {
      await t.step({ name: "openssl unavailable", ignore: true, fn() {} });
      return;
    }
    for (const args of [["ark.pem", "ark.pem"], ["ark.pem", "ask.pem"]]) {
      const r = await openssl(dir, "verify", "-CAfile", ...args);
      assert.ok(r.ok && /OK/.test(r.out), r.out);
    }
    const chain = await openssl(
      dir,
      "verify",
      "-CAfile",
      "ark.pem",
      "-untrusted",
      "ask.pem",
      "vcek.pem",
    );
    assert.ok(chain.ok, chain.out);
    const pub = await openssl(
      dir,
      "x509",
      "-in",
      "vcek.pem",
      "-pubkey",
      "-noout",
      "-out",
      "vcek_pub.pem",
    );
    assert.ok(pub.ok, pub.out);
    const dgst = [
      "dgst",
      "-sha384",
      "-verify",
      "vcek_pub.pem",
      "-signature",
      "report_signature.der",
    ];
    const good = await openssl(dir, ...dgst, "report_signed.bin");
    assert.ok(good.ok && /Verified OK/.test(good.out), good.out);
    // A flipped bit in the signed bytes must fail the same command.
    const signed = await Deno.readFile(`${dir}/report_signed.bin`);
    signed[0x90] ^= 1;
    await Deno.writeFile(`${dir}/forged.bin`, signed);
    assert.equal((await openssl(dir, ...dgst, "forged.bin")).ok, false);
    // REPORT_DATA = SHA-512(nonce || manifest).
    const nonce = await Deno.readFile(`${dir}/nonce.bin`);
    const manifest = await Deno.readFile(`${dir}/manifest.bin`);
    const bound = createHash("sha512").update(nonce).update(manifest).digest();
    assert.deepEqual(report.subarray(0x50, 0x90), new Uint8Array(bound));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("example attest: needs only --allow-write=DIR; no --out is a usage error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "attest_perm_" });
  try {
    const script = new URL("../examples/attest.ts", import.meta.url).pathname;
    const r = await new Deno.Command("deno", {
      args: ["run", "--no-check", `--allow-write=${dir}`, script, "--out", `${dir}/out`],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.equal((await Deno.stat(`${dir}/out/ark.pem`)).isFile, true);
    assert.equal((await quietly([])).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
