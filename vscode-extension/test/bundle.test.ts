import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readBundle } from "../src/bundle";

function extension(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drizzle-lsp-bundle-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const manifest = JSON.stringify({ server: "0.1.0", python: ["3.11", "3.12"], target: "linux-x64" });

describe("readBundle", () => {
  it("finds a complete bundle", () => {
    const root = extension({
      "bundled/manifest.json": manifest,
      "bundled/tool/launch.py": "",
      "bundled/libs/common/drizzle_lsp/__init__.py": "",
    });
    expect(readBundle(root)).toEqual({
      launcher: path.join(root, "bundled", "tool", "launch.py"),
      libs: path.join(root, "bundled", "libs"),
      manifest: { server: "0.1.0", python: ["3.11", "3.12"], target: "linux-x64" },
    });
  });

  it("has none in a universal build, or when the libraries were removed", () => {
    expect(readBundle(extension({ "bundled/tool/launch.py": "" }))).toBeUndefined();
    expect(readBundle(extension({ "bundled/manifest.json": manifest, "bundled/tool/launch.py": "" }))).toBeUndefined();
  });

  it("ignores a manifest it cannot read", () => {
    const root = extension({
      "bundled/manifest.json": "{ not json",
      "bundled/tool/launch.py": "",
      "bundled/libs/common/x.py": "",
    });
    expect(readBundle(root)).toBeUndefined();
    const wrongShape = extension({
      "bundled/manifest.json": '{"server": 1}',
      "bundled/tool/launch.py": "",
      "bundled/libs/common/x.py": "",
    });
    expect(readBundle(wrongShape)).toBeUndefined();
  });
});
