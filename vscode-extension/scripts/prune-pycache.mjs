// Deletes the __pycache__ folders that running the bundled server from this checkout leaves in bundled/libs, so
// the .vsix carries sources only. (.vscodeignore cannot do it: vsce lets any `!` pattern win over every ignore.)
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

function prune(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // no bundled libraries in this build
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const full = join(dir, entry.name);
    if (entry.name === "__pycache__") rmSync(full, { recursive: true, force: true });
    else prune(full);
  }
}

prune(new URL("../bundled/libs", import.meta.url).pathname);
