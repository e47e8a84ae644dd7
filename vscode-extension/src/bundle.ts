// Reading the server bundled in this .vsix, if there is one. No `vscode` import, so vitest can run it.

import * as fs from "node:fs";
import * as path from "node:path";
import type { Bundle, BundleManifest } from "./discovery";

/**
 * The bundled server, when this build carries a complete one: a manifest, the launcher and the shared libraries.
 * A universal build (or one whose libraries were deleted) has none, and discovery moves on to PATH and settings.
 */
export function readBundle(extensionPath: string): Bundle | undefined {
  const bundled = path.join(extensionPath, "bundled");
  const libs = path.join(bundled, "libs");
  const launcher = path.join(bundled, "tool", "launch.py");
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(bundled, "manifest.json"), "utf8")) as BundleManifest;
  } catch {
    return undefined;
  }
  if (typeof manifest?.server !== "string" || !Array.isArray(manifest.python)) return undefined;
  if (!fs.existsSync(path.join(libs, "common")) || !fs.existsSync(launcher)) return undefined;
  return { launcher, libs, manifest };
}
