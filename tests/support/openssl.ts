/** openssl as a reference peer: runs it with `input` on stdin. */

/** openssl's stdout, or undefined when it fails or is not installed. */
export async function openssl(args: string[], input: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const p = new Deno.Command("openssl", { args, stdin: "piped", stdout: "piped", stderr: "null" })
      .spawn();
    const w = p.stdin.getWriter();
    await w.write(input);
    await w.close();
    const out = await p.output();
    return out.success ? out.stdout : undefined;
  } catch {
    return undefined;
  }
}
