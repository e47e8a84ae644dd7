// Running a short-lived process (a probe, `drizzle-lsp rules`, `explain`) and collecting its output. No `vscode`
// import: discovery's tests use the same result shape with a fake.

import { execFile } from "node:child_process";
import type { RunResult } from "./discovery";

export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        // A cold Python start with tree-sitter and libpg_query on a slow disk takes a few seconds; a hung one must
        // not keep the extension from reporting what it found.
        timeout: options.timeoutMs ?? 20_000,
        maxBuffer: 16 * 1024 * 1024,
        windowsHide: true,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code === "string") {
          resolve({ code: null, stdout, stderr, error: `${error.code} ${error.message}` });
        } else if (error && error.killed) {
          resolve({ code: null, stdout, stderr, error: "timed out" });
        } else {
          resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
        }
      },
    );
  });
}
