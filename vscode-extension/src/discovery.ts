// Finding a drizzle-lsp server to start, in the order the extension promises its users:
//   1. drizzleLsp.serverPath, or drizzleLsp.interpreter (explicit: when set, nothing else is tried, so a typo is
//      reported instead of silently papered over by another server);
//   2. the libraries bundled in this platform's .vsix, run by a Python found by the Python extension or on PATH;
//   3. the drizzle_lsp installed in the Python extension's interpreter;
//   4. a `drizzle-lsp` executable on PATH (pipx, pip --user, a project venv that is active).
// Each candidate is probed before use (Python version, server version, the LSP dependencies), so that what fails is
// explained in words rather than as a crashed server. No `vscode` import: vitest runs it with a fake process runner.

import type { LaunchSettings } from "./settings";

export const MIN_PYTHON: readonly [number, number] = [3, 10];
// The oldest server whose protocol this extension speaks (settings section, pull diagnostics, --stdio accepted).
export const MIN_SERVER_VERSION = "0.1.0";

export type Source = "serverPath" | "interpreter" | "bundled" | "pythonExtension" | "path";

export interface BundleManifest {
  /** drizzle-lsp version of the bundled libraries. */
  server: string;
  /** "3.10", "3.11"...: the CPython versions whose native wheels are bundled. */
  python: string[];
  /** vsce target, e.g. linux-x64. */
  target: string;
}

export interface Bundle {
  launcher: string;
  libs: string;
  manifest: BundleManifest;
}

export interface DiscoveryInput {
  settings: LaunchSettings;
  /** Absent when this build of the extension carries no server (a universal .vsix, or one whose libs were removed). */
  bundle?: Bundle;
  /** The active interpreter of the Python extension, when it is installed and has one. */
  pythonExtensionInterpreter?: string;
  platform: string;
}

export interface RunResult {
  /** Exit code; null when the process could not be started or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be run at all (ENOENT, EACCES, timeout). */
  error?: string;
}

export type Runner = (command: string, args: string[]) => Promise<RunResult>;

export interface Launch {
  source: Source;
  command: string;
  /** Arguments before the subcommand: `[command, ...prefix, "serve"]` starts the server, `[..., "check"]` the CLI. */
  prefix: string[];
  serverVersion: string;
  pythonVersion?: string;
  /** The interpreter's own path when it is known (sys.executable). */
  python?: string;
}

export interface Attempt {
  source: Source;
  /** Human-readable: what was tried, e.g. "bundled libraries with python3". */
  what: string;
  ok: boolean;
  problem?: string;
}

export interface Discovery {
  launch?: Launch;
  attempts: Attempt[];
  /** True when a setting chose the server, so the fix is in the settings. */
  explicit: boolean;
}

interface Candidate {
  source: Source;
  kind: "executable" | "module" | "bundled";
  /** Executable path, or the Python interpreter for module/bundled. */
  command: string;
}

export function pathPythons(platform: string): string[] {
  // On Windows `python3` is often the Store's stub that opens the Store instead of running; `python` comes first.
  return platform === "win32" ? ["python", "python3"] : ["python3", "python"];
}

export function candidates(input: DiscoveryInput): { list: Candidate[]; explicit: boolean } {
  const { settings, bundle } = input;
  const useBundled = settings.importStrategy === "useBundled" && bundle !== undefined;
  if (settings.serverPath) {
    return { list: [{ source: "serverPath", kind: "executable", command: settings.serverPath }], explicit: true };
  }
  if (settings.interpreter) {
    const list: Candidate[] = [];
    if (useBundled) list.push({ source: "interpreter", kind: "bundled", command: settings.interpreter });
    list.push({ source: "interpreter", kind: "module", command: settings.interpreter });
    return { list, explicit: true };
  }
  const list: Candidate[] = [];
  if (useBundled) {
    const pythons = unique([input.pythonExtensionInterpreter, ...pathPythons(input.platform)]);
    for (const python of pythons) list.push({ source: "bundled", kind: "bundled", command: python });
  }
  if (input.pythonExtensionInterpreter) {
    list.push({ source: "pythonExtension", kind: "module", command: input.pythonExtensionInterpreter });
  }
  list.push({ source: "path", kind: "executable", command: executableName(input.platform) });
  return { list, explicit: false };
}

export function executableName(platform: string): string {
  return platform === "win32" ? "drizzle-lsp.exe" : "drizzle-lsp";
}

// Runs under whatever Python was found, possibly an old one: no f-strings or other syntax that would turn "too old"
// into a SyntaxError nobody can read. argv[1], when given, is the bundled libs folder to import from.
export const PROBE = [
  "import sys, json, os",
  "out = {'python': list(sys.version_info[:3]), 'executable': sys.executable}",
  "if len(sys.argv) > 1:",
  "    tag = 'cp%d%d' % sys.version_info[:2]",
  "    out['bundleTag'] = os.path.isdir(os.path.join(sys.argv[1], tag))",
  "    sys.path[0:0] = [os.path.join(sys.argv[1], tag), os.path.join(sys.argv[1], 'common')]",
  "if tuple(sys.version_info[:2]) >= (3, 10) and out.get('bundleTag', True):",
  "    try:",
  "        import drizzle_lsp",
  "        out['server'] = drizzle_lsp.__version__",
  "        out['serverPath'] = os.path.dirname(drizzle_lsp.__file__)",
  "        import pygls, lsprotocol",
  "        out['lsp'] = True",
  "    except Exception as error:",
  "        out['importError'] = '%s: %s' % (type(error).__name__, error)",
  "print(json.dumps(out))",
].join("\n");

interface ProbeOutput {
  python?: number[];
  executable?: string;
  bundleTag?: boolean;
  server?: string;
  serverPath?: string;
  lsp?: boolean;
  importError?: string;
}

export async function discover(input: DiscoveryInput, run: Runner): Promise<Discovery> {
  const { list, explicit } = candidates(input);
  const attempts: Attempt[] = [];
  for (const candidate of list) {
    const what = describe(candidate, input);
    const result = await check(candidate, input, run);
    if ("problem" in result) {
      attempts.push({ source: candidate.source, what, ok: false, problem: result.problem });
      continue;
    }
    attempts.push({ source: candidate.source, what, ok: true });
    return { launch: result, attempts, explicit };
  }
  return { attempts, explicit };
}

function describe(candidate: Candidate, input: DiscoveryInput): string {
  switch (candidate.kind) {
    case "executable":
      return candidate.source === "serverPath"
        ? `drizzleLsp.serverPath (${candidate.command})`
        : `\`${candidate.command}\` on PATH`;
    case "bundled":
      return `the bundled server run by ${pythonLabel(candidate, input)}`;
    case "module":
      return `the drizzle_lsp package installed in ${pythonLabel(candidate, input)}`;
  }
}

function pythonLabel(candidate: Candidate, input: DiscoveryInput): string {
  if (candidate.source === "interpreter") return `drizzleLsp.interpreter (${candidate.command})`;
  if (candidate.command === input.pythonExtensionInterpreter) return `the Python extension's interpreter (${candidate.command})`;
  return `\`${candidate.command}\` on PATH`;
}

async function check(candidate: Candidate, input: DiscoveryInput, run: Runner): Promise<Launch | { problem: string }> {
  if (candidate.kind === "executable") return checkExecutable(candidate, run);
  const bundle = candidate.kind === "bundled" ? input.bundle : undefined;
  const args = ["-I", "-c", PROBE];
  if (bundle) args.push(bundle.libs);
  const result = await run(candidate.command, args);
  if (result.error) return { problem: notRunnable(result.error) };
  let probe: ProbeOutput;
  try {
    probe = JSON.parse(lastLine(result.stdout)) as ProbeOutput;
  } catch {
    // Python 2 (and 3 before 3.4) stops at -I before running anything.
    if (/Unknown option: -I/.test(result.stderr)) {
      return { problem: `is Python 2 or an old Python 3; drizzle-lsp needs Python ${MIN_PYTHON.join(".")} or newer` };
    }
    return { problem: `is not a working Python interpreter (${summary(result)})` };
  }
  const version = probe.python ?? [];
  const pythonVersion = version.join(".");
  if (!atLeast(version, MIN_PYTHON)) {
    return { problem: `is Python ${pythonVersion}; drizzle-lsp needs Python ${MIN_PYTHON.join(".")} or newer` };
  }
  if (bundle && probe.bundleTag === false) {
    const built = bundle.manifest.python.join(", ");
    return { problem: `is Python ${pythonVersion}, and this extension's bundled server is built for Python ${built}` };
  }
  if (probe.importError || !probe.server) {
    if (bundle) return { problem: `could not load the bundled server: ${probe.importError ?? "no version"}` };
    if (probe.server && !probe.lsp) {
      return {
        problem:
          `has drizzle-lsp ${probe.server} without its language-server dependencies ` +
          `(install them with: ${probe.executable ?? candidate.command} -m pip install "drizzle-lsp[lsp]")`,
      };
    }
    return { problem: `(Python ${pythonVersion}) has no drizzle-lsp installed` };
  }
  const tooOld = serverTooOld(probe.server);
  if (tooOld) return { problem: tooOld };
  return {
    source: candidate.source,
    command: candidate.command,
    prefix: bundle ? ["-I", bundle.launcher] : ["-m", "drizzle_lsp"],
    serverVersion: probe.server,
    pythonVersion,
    python: probe.executable,
  };
}

async function checkExecutable(candidate: Candidate, run: Runner): Promise<Launch | { problem: string }> {
  const result = await run(candidate.command, ["--version"]);
  if (result.error) return { problem: notRunnable(result.error) };
  const version = parseServerVersion(result.stdout + "\n" + result.stderr);
  if (result.code !== 0 || !version) {
    return { problem: `did not answer \`--version\` like drizzle-lsp does (${summary(result)})` };
  }
  const tooOld = serverTooOld(version);
  if (tooOld) return { problem: tooOld };
  return { source: candidate.source, command: candidate.command, prefix: [], serverVersion: version };
}

function serverTooOld(version: string): string | undefined {
  if (compareVersions(version, MIN_SERVER_VERSION) >= 0) return undefined;
  return `is drizzle-lsp ${version}; this extension needs ${MIN_SERVER_VERSION} or newer (pip install -U "drizzle-lsp[lsp]")`;
}

function notRunnable(error: string): string {
  if (/ENOENT/.test(error)) return "was not found";
  if (/EACCES/.test(error)) return "is not executable";
  if (/timed out|ETIMEDOUT/i.test(error)) return "did not answer within the time limit";
  return `could not be run (${error})`;
}

function summary(result: RunResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/).slice(-3).join(" / ");
  return `exit code ${result.code}${text ? `: ${text.slice(0, 300)}` : ""}`;
}

function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return lines[lines.length - 1] ?? "";
}

function unique(values: (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const value of values) {
    if (value && !seen.has(value)) {
      seen.add(value);
      result.push(value);
    }
  }
  return result;
}

export function parseServerVersion(text: string): string | undefined {
  return /drizzle-lsp\s+v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)/.exec(text)?.[1];
}

export function parsePythonVersion(text: string): number[] | undefined {
  const match = /Python\s+(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

export function atLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const have = version[i] ?? 0;
    if (have !== minimum[i]) return have > minimum[i];
  }
  return true;
}

/** Compares dotted release numbers; a pre-release suffix (0.2.0rc1, 0.2.0-dev) sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const match = /^(\d+(?:\.\d+)*)(.*)$/.exec(v.trim());
    return { parts: (match?.[1] ?? "0").split(".").map(Number), suffix: match?.[2] ?? "" };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.suffix === y.suffix) return 0;
  if (!x.suffix) return 1;
  if (!y.suffix) return -1;
  return x.suffix < y.suffix ? -1 : 1;
}

export interface Failure {
  message: string;
  /** Lines for the output channel: every attempt and why it failed. */
  details: string[];
  /** The button that leads to the fix. */
  primary: "openSettings" | "installInstructions";
}

export function describeFailure(discovery: Discovery, input: DiscoveryInput): Failure {
  const details = discovery.attempts.map((a) => `  ${a.ok ? "ok" : "no"}: ${a.what}${a.problem ? ` ${a.problem}` : ""}`);
  if (discovery.explicit) {
    const first = discovery.attempts[0];
    const setting = input.settings.serverPath ? "drizzleLsp.serverPath" : "drizzleLsp.interpreter";
    return {
      message:
        `Drizzle LSP could not start the server set in ${setting}: ${first?.what ?? setting} ` +
        `${first?.problem ?? "did not work"}.`,
      details,
      primary: "openSettings",
    };
  }
  const noPython = discovery.attempts
    .filter((a) => a.source === "bundled" || a.source === "pythonExtension")
    .every((a) => a.problem === "was not found");
  if (noPython) {
    const bundled = input.bundle !== undefined && input.settings.importStrategy === "useBundled";
    return {
      message: bundled
        ? `Drizzle LSP needs Python ${MIN_PYTHON.join(".")} or newer to run its bundled server, and found none. ` +
          "Install Python 3 (python3 on PATH), or set drizzleLsp.interpreter or drizzleLsp.serverPath."
        : `Drizzle LSP found no drizzle-lsp server: install it with \`pipx install "drizzle-lsp[lsp]"\` ` +
          `(Python ${MIN_PYTHON.join(".")}+), or set drizzleLsp.serverPath.`,
      details,
      primary: "installInstructions",
    };
  }
  // The most telling problem is a program that ran but could not serve (too old, missing libraries), not the many
  // places where nothing was found.
  const lastProblem =
    discovery.attempts.find((a) => a.problem && a.problem !== "was not found") ?? discovery.attempts[0];
  return {
    message:
      `Drizzle LSP found no working server: ${lastProblem?.what ?? "the server"} ${lastProblem?.problem ?? "failed"}. ` +
      "See the output for everything that was tried.",
    details,
    primary: "installInstructions",
  };
}
