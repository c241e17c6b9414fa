/**
 * Every public export carries an `@example` (the JSR reference promise): `deno doc --json`
 * over the published entry points of deno.json, each exported declaration's JSDoc must have
 * an example tag. `deno check --doc` in CI type-checks those examples.
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

interface DocDeclaration {
  kind: string;
  location?: { filename: string; line: number };
  jsDoc?: { tags?: { kind: string }[] };
}
interface DocOutput {
  nodes: Record<string, { symbols?: { name: string; declarations?: DocDeclaration[] }[] }>;
}

/** The published entry points, as deno.json lists them. */
function entryPoints(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT)));
  return Object.values(config.exports as Record<string, string>);
}

/** `file:line name` of every exported declaration without an `@example`. */
function exportsWithoutExample(doc: DocOutput): string[] {
  const missing = new Set<string>();
  for (const node of Object.values(doc.nodes)) {
    for (const symbol of node.symbols ?? []) {
      for (const d of symbol.declarations ?? []) {
        // A "reference" is a re-export; its target is checked where it is declared.
        if (d.kind === "reference" || d.jsDoc?.tags?.some((t) => t.kind === "example")) continue;
        const file = (d.location?.filename ?? "?").replace(ROOT.href, "");
        missing.add(`${file}:${d.location?.line ?? 0} ${symbol.name} (${d.kind})`);
      }
    }
  }
  return [...missing].sort();
}

Deno.test("every public export has a JSDoc @example", async () => {
  const out = await new Deno.Command("deno", {
    args: ["doc", "--json", ...entryPoints()],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as DocOutput;
  assert.ok(Object.keys(doc.nodes).length >= 10, "deno doc saw the entry points");
  const missing = exportsWithoutExample(doc);
  assert.deepEqual(
    missing,
    [],
    `${missing.length} exports lack an @example:\n${missing.join("\n")}`,
  );
});

Deno.test("the @example check sees a declaration without one", () => {
  const doc: DocOutput = {
    nodes: {
      a: {
        symbols: [
          {
            name: "WITH",
            declarations: [{ kind: "variable", jsDoc: { tags: [{ kind: "example" }] } }],
          },
          { name: "WITHOUT", declarations: [{ kind: "interface", jsDoc: { tags: [] } }] },
          { name: "REEXPORT", declarations: [{ kind: "reference" }] },
        ],
      },
    },
  };
  assert.deepEqual(exportsWithoutExample(doc), ["?:0 WITHOUT (interface)"]);
});
