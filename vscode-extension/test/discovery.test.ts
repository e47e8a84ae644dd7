import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  atLeast,
  compareVersions,
  describeFailure,
  discover,
  parsePythonVersion,
  parseServerVersion,
  PROBE,
  type Bundle,
  type DiscoveryInput,
  type RunResult,
} from "../src/discovery";
import { runProcess } from "../src/run";
import type { LaunchSettings } from "../src/settings";

const defaults: LaunchSettings = { enable: true, serverPath: "", interpreter: "", importStrategy: "useBundled" };
const bundle: Bundle = {
  launcher: "/ext/bundled/tool/launch.py",
  libs: "/ext/bundled/libs",
  manifest: { server: "0.1.0", python: ["3.10", "3.11", "3.12", "3.13", "3.14"], target: "linux-x64" },
};
const notFound: RunResult = { code: null, stdout: "", stderr: "", error: "ENOENT spawn python3 ENOENT" };

function probe(fields: Record<string, unknown>): RunResult {
  return { code: 0, stdout: JSON.stringify({ executable: "/usr/bin/python3", ...fields }) + "\n", stderr: "" };
}

/** A fake machine: command -> what it answers. A probe with the bundle's libs argument is a "bundled" probe. */
function machine(programs: Record<string, { bundled?: RunResult; module?: RunResult; version?: RunResult }>) {
  const calls: string[] = [];
  const run = async (command: string, args: string[]): Promise<RunResult> => {
    const program = programs[command];
    if (args[0] === "--version") {
      calls.push(`${command} --version`);
      return program?.version ?? notFound;
    }
    expect(args.slice(0, 3)).toEqual(["-I", "-c", PROBE]);
    const kind = args.length > 3 ? "bundled" : "module";
    calls.push(`${command} probe ${kind}`);
    return program?.[kind] ?? notFound;
  };
  return { run, calls };
}

type Overrides = Omit<Partial<DiscoveryInput>, "settings"> & { settings?: Partial<LaunchSettings> };
const input = (overrides: Overrides = {}): DiscoveryInput => ({
  platform: "linux",
  bundle,
  ...overrides,
  settings: { ...defaults, ...overrides.settings },
});

const python311 = { python: [3, 11, 2], bundleTag: true, server: "0.1.0", lsp: true };

describe("discover: explicit settings", () => {
  it("uses drizzleLsp.serverPath and nothing else", async () => {
    const { run, calls } = machine({
      "/opt/bin/drizzle-lsp": { version: { code: 0, stdout: "drizzle-lsp 0.2.0\n", stderr: "" } },
      python3: { bundled: probe(python311) },
    });
    const found = await discover(input({ settings: { serverPath: "/opt/bin/drizzle-lsp" } }), run);
    expect(found.launch).toMatchObject({ source: "serverPath", command: "/opt/bin/drizzle-lsp", prefix: [], serverVersion: "0.2.0" });
    expect(found.explicit).toBe(true);
    expect(calls).toEqual(["/opt/bin/drizzle-lsp --version"]);
  });

  it("reports a serverPath that does not exist instead of falling back to another server", async () => {
    const { run, calls } = machine({ python3: { bundled: probe(python311) } });
    const settings = { serverPath: "/nope/drizzle-lsp" };
    const found = await discover(input({ settings }), run);
    expect(found.launch).toBeUndefined();
    expect(calls).toEqual(["/nope/drizzle-lsp --version"]);
    const failure = describeFailure(found, input({ settings }));
    expect(failure.primary).toBe("openSettings");
    expect(failure.message).toBe(
      "Drizzle LSP could not start the server set in drizzleLsp.serverPath: " +
        "drizzleLsp.serverPath (/nope/drizzle-lsp) was not found.",
    );
  });

  it("runs the bundled libraries with drizzleLsp.interpreter, then that interpreter's own drizzle_lsp", async () => {
    const { run, calls } = machine({
      "/venv/bin/python": { bundled: probe({ python: [3, 9, 18] }), module: probe({ python: [3, 9, 18] }) },
    });
    const found = await discover(input({ settings: { interpreter: "/venv/bin/python" } }), run);
    expect(found.launch).toBeUndefined();
    expect(calls).toEqual(["/venv/bin/python probe bundled", "/venv/bin/python probe module"]);
    expect(found.attempts[0].problem).toBe("is Python 3.9.18; drizzle-lsp needs Python 3.10 or newer");

    const ok = machine({ "/venv/bin/python": { bundled: probe(python311) } });
    const launched = await discover(input({ settings: { interpreter: "/venv/bin/python" } }), ok.run);
    expect(launched.launch).toMatchObject({
      source: "interpreter",
      command: "/venv/bin/python",
      prefix: ["-I", "/ext/bundled/tool/launch.py"],
      pythonVersion: "3.11.2",
    });
  });

  it("with importStrategy fromEnvironment, runs the interpreter's installed drizzle_lsp", async () => {
    const { run, calls } = machine({ "/venv/bin/python": { module: probe(python311) } });
    const found = await discover(
      input({ settings: { interpreter: "/venv/bin/python", importStrategy: "fromEnvironment" } }),
      run,
    );
    expect(found.launch).toMatchObject({ source: "interpreter", prefix: ["-m", "drizzle_lsp"] });
    expect(calls).toEqual(["/venv/bin/python probe module"]);
  });
});

describe("discover: automatic order", () => {
  it("prefers the bundled server run by the Python extension's interpreter", async () => {
    const { run, calls } = machine({ "/env/bin/python": { bundled: probe(python311) }, python3: { bundled: probe(python311) } });
    const found = await discover(input({ pythonExtensionInterpreter: "/env/bin/python" }), run);
    expect(found.launch).toMatchObject({ source: "bundled", command: "/env/bin/python" });
    expect(found.explicit).toBe(false);
    expect(calls).toEqual(["/env/bin/python probe bundled"]);
  });

  it("runs the bundled server with python3 on PATH when there is no Python extension", async () => {
    const { run } = machine({ python3: { bundled: probe(python311) } });
    const found = await discover(input(), run);
    expect(found.launch).toMatchObject({ source: "bundled", command: "python3", serverVersion: "0.1.0" });
  });

  it("recognises a Python 2 `python` by its answer to -I", async () => {
    const python2: RunResult = { code: 2, stdout: "", stderr: "Unknown option: -I\nusage: python [option] ...\n" };
    const { run } = machine({ python3: {}, python: { bundled: python2 } });
    const found = await discover(input(), run);
    expect(found.attempts[1].problem).toBe("is Python 2 or an old Python 3; drizzle-lsp needs Python 3.10 or newer");
  });

  it("skips a Python too old or without a bundled build, then falls back to drizzle-lsp on PATH", async () => {
    const { run, calls } = machine({
      python3: { bundled: probe({ python: [3, 9, 2] }) },
      python: { bundled: probe({ python: [3, 15, 0], bundleTag: false }) },
      "drizzle-lsp": { version: { code: 0, stdout: "drizzle-lsp 0.1.0\n", stderr: "" } },
    });
    const found = await discover(input(), run);
    expect(found.launch).toMatchObject({ source: "path", command: "drizzle-lsp", prefix: [] });
    expect(calls).toEqual(["python3 probe bundled", "python probe bundled", "drizzle-lsp --version"]);
    expect(found.attempts.map((a) => a.problem)).toEqual([
      "is Python 3.9.2; drizzle-lsp needs Python 3.10 or newer",
      "is Python 3.15.0, and this extension's bundled server is built for Python 3.10, 3.11, 3.12, 3.13, 3.14",
      undefined,
    ]);
  });

  it("without a bundled server, uses the Python extension's environment, then PATH", async () => {
    const { run, calls } = machine({
      "/env/bin/python": { module: probe({ python: [3, 12, 1], server: "0.1.0", lsp: true }) },
    });
    const found = await discover(input({ bundle: undefined, pythonExtensionInterpreter: "/env/bin/python" }), run);
    expect(found.launch).toMatchObject({ source: "pythonExtension", prefix: ["-m", "drizzle_lsp"], pythonVersion: "3.12.1" });
    expect(calls).toEqual(["/env/bin/python probe module"]);
  });

  it("with importStrategy fromEnvironment, never uses the bundled server", async () => {
    const { run, calls } = machine({ python3: { bundled: probe(python311) } });
    const found = await discover(input({ settings: { importStrategy: "fromEnvironment" } }), run);
    expect(found.launch).toBeUndefined();
    expect(calls).toEqual(["drizzle-lsp --version"]);
  });

  it("says how to install the LSP extra when the environment's drizzle-lsp lacks pygls", async () => {
    const { run } = machine({
      "/env/bin/python": {
        module: probe({ python: [3, 11, 0], server: "0.1.0", importError: "ModuleNotFoundError: No module named 'pygls'" }),
      },
    });
    const found = await discover(input({ bundle: undefined, pythonExtensionInterpreter: "/env/bin/python" }), run);
    expect(found.attempts[0].problem).toBe(
      'has drizzle-lsp 0.1.0 without its language-server dependencies (install them with: /usr/bin/python3 -m pip install "drizzle-lsp[lsp]")',
    );
  });

  it("refuses a server older than the extension supports", async () => {
    const { run } = machine({ "drizzle-lsp": { version: { code: 0, stdout: "drizzle-lsp 0.0.9\n", stderr: "" } } });
    const found = await discover(input({ bundle: undefined }), run);
    expect(found.launch).toBeUndefined();
    expect(found.attempts[0].problem).toMatch(/^is drizzle-lsp 0\.0\.9; this extension needs 0\.1\.0 or newer/);
  });

  it("rejects a program on PATH named drizzle-lsp that is something else", async () => {
    const { run } = machine({ "drizzle-lsp": { version: { code: 2, stdout: "", stderr: "unknown option --version" } } });
    const found = await discover(input({ bundle: undefined }), run);
    expect(found.attempts[0].problem).toBe(
      "did not answer `--version` like drizzle-lsp does (exit code 2: unknown option --version)",
    );
  });

  it("tries python before python3 on Windows, and drizzle-lsp.exe", async () => {
    const { run, calls } = machine({});
    await discover(input({ platform: "win32" }), run);
    expect(calls).toEqual(["python probe bundled", "python3 probe bundled", "drizzle-lsp.exe --version"]);
  });
});

describe("describeFailure", () => {
  it("with the bundled server and no Python at all: asks for Python, offers the install instructions", async () => {
    const { run } = machine({});
    const found = await discover(input(), run);
    const failure = describeFailure(found, input());
    expect(failure.primary).toBe("installInstructions");
    expect(failure.message).toBe(
      "Drizzle LSP needs Python 3.10 or newer to run its bundled server, and found none. " +
        "Install Python 3 (python3 on PATH), or set drizzleLsp.interpreter or drizzleLsp.serverPath.",
    );
    expect(failure.details).toEqual([
      "  no: the bundled server run by `python3` on PATH was not found",
      "  no: the bundled server run by `python` on PATH was not found",
      "  no: `drizzle-lsp` on PATH was not found",
    ]);
  });

  it("without a bundled server: says how to install one", async () => {
    const { run } = machine({});
    const found = await discover(input({ bundle: undefined }), run);
    expect(describeFailure(found, input({ bundle: undefined })).message).toBe(
      'Drizzle LSP found no drizzle-lsp server: install it with `pipx install "drizzle-lsp[lsp]"` ' +
        "(Python 3.10+), or set drizzleLsp.serverPath.",
    );
  });

  it("when a Python was found but unusable: names it and its problem", async () => {
    const { run } = machine({ python3: { bundled: probe({ python: [3, 8, 10] }) } });
    const found = await discover(input(), run);
    expect(describeFailure(found, input()).message).toBe(
      "Drizzle LSP found no working server: the bundled server run by `python3` on PATH is Python 3.8.10; " +
        "drizzle-lsp needs Python 3.10 or newer. See the output for everything that was tried.",
    );
  });
});

describe("versions", () => {
  it("parses what drizzle-lsp --version and python --version print", () => {
    expect(parseServerVersion("drizzle-lsp 0.1.0\n")).toBe("0.1.0");
    expect(parseServerVersion("drizzle-lsp 1.2.3rc1")).toBe("1.2.3rc1");
    expect(parseServerVersion("ruff 0.6.0")).toBeUndefined();
    expect(parsePythonVersion("Python 3.11.7")).toEqual([3, 11, 7]);
    expect(parsePythonVersion("Python 3.13")).toEqual([3, 13, 0]);
  });

  it("compares versions numerically, pre-releases before their release", () => {
    expect(compareVersions("0.10.0", "0.9.9")).toBe(1);
    expect(compareVersions("0.1.0", "0.1")).toBe(0);
    expect(compareVersions("0.2.0rc1", "0.2.0")).toBe(-1);
    expect(compareVersions("0.1.0", "0.2.0")).toBe(-1);
    expect(atLeast([3, 10, 0], [3, 10])).toBe(true);
    expect(atLeast([3, 9, 18], [3, 10])).toBe(false);
    expect(atLeast([4, 0], [3, 10])).toBe(true);
  });
});

// The probe is Python source kept in a TypeScript string: run it for real so a syntax slip cannot hide.
const python = ["python3", "python"].find((p) => runProcessSync(p));
function runProcessSync(command: string): boolean {
  try {
    return spawnSync(command, ["--version"]).status === 0;
  } catch {
    return false;
  }
}

describe.skipIf(!python)("the probe, run by a real Python", () => {
  it("reports the version, and that an empty bundle has no libraries for it", async () => {
    const libs = fs.mkdtempSync(path.join(os.tmpdir(), "drizzle-lsp-probe-"));
    const result = await runProcess(python!, ["-I", "-c", PROBE, libs]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.python.length).toBe(3);
    expect(out.bundleTag).toBe(false);
    expect(out.server).toBeUndefined();
  });

  const extension = path.resolve(__dirname, "..");
  const libs = path.join(extension, "bundled", "libs");
  it.skipIf(!fs.existsSync(path.join(libs, "common")))("finds the server in the bundled libraries", async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(extension, "bundled", "manifest.json"), "utf8"));
    const realBundle = { launcher: path.join(extension, "bundled", "tool", "launch.py"), libs, manifest };
    const found = await discover(
      { settings: { ...defaults, importStrategy: "useBundled" }, bundle: realBundle, platform: process.platform },
      (command, args) => runProcess(command, args),
    );
    expect(found.launch?.source).toBe("bundled");
    expect(found.launch?.serverVersion).toBe(manifest.server);
    const version = await runProcess(found.launch!.command, [...found.launch!.prefix, "--version"]);
    expect(version.stdout.trim()).toBe(`drizzle-lsp ${manifest.server}`);
  });
});
