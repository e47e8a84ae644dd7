import { describe, expect, it } from "vitest";
import {
  changeEffect,
  expandPath,
  filterSection,
  readLaunchSettings,
  serverSettings,
  SERVER_KEYS,
} from "../src/settings";
import pkg from "../package.json";

const getter = (values: Record<string, unknown>) => (key: string) => values[key];

describe("readLaunchSettings", () => {
  it("defaults to the bundled server, enabled", () => {
    expect(readLaunchSettings(getter({}))).toEqual({
      enable: true,
      serverPath: "",
      interpreter: "",
      importStrategy: "useBundled",
    });
  });

  it("keeps explicit paths, trimmed", () => {
    const settings = readLaunchSettings(
      getter({ serverPath: " /opt/drizzle-lsp ", interpreter: "/venv/bin/python", importStrategy: "fromEnvironment" }),
    );
    expect(settings.serverPath).toBe("/opt/drizzle-lsp");
    expect(settings.interpreter).toBe("/venv/bin/python");
    expect(settings.importStrategy).toBe("fromEnvironment");
  });

  it("reports values of the wrong type and falls back instead of failing", () => {
    const problems: string[] = [];
    const settings = readLaunchSettings(getter({ serverPath: 3, importStrategy: "sometimes", enable: false }), problems);
    expect(settings.serverPath).toBe("");
    expect(settings.importStrategy).toBe("useBundled");
    expect(settings.enable).toBe(false);
    expect(problems).toEqual([
      "drizzleLsp.importStrategy must be useBundled or fromEnvironment; useBundled is used",
      "drizzleLsp.serverPath must be a path (a string); it is ignored",
    ]);
  });
});

describe("serverSettings", () => {
  it("sends the server only the keys it reads, and leaves unset (null) ones to .drizzle-lsp.toml", () => {
    const sent = serverSettings(
      getter({
        enable: true,
        select: null,
        ignore: ["naming"],
        severity: { "prefer-text": "off" },
        postgresVersion: null,
        migrator: "auto",
        logLevel: "info",
        debounceMs: 40,
        serverPath: "/x",
        interpreter: "/y",
        importStrategy: "useBundled",
        trace: { server: "verbose" },
      }),
    );
    expect(sent).toEqual({
      enable: true,
      ignore: ["naming"],
      severity: { "prefer-text": "off" },
      migrator: "auto",
      logLevel: "info",
      debounceMs: 40,
    });
  });

  it("filters a raw workspace/configuration answer the same way", () => {
    // The server would read `trace` as a log level and warn about a setting the user never wrote.
    expect(filterSection({ trace: { server: "off" }, postgresVersion: 15, serverPath: "" })).toEqual({
      postgresVersion: 15,
    });
    expect(filterSection(null)).toBe(null);
  });

  it("covers every server setting that package.json declares", () => {
    const declared = Object.keys(pkg.contributes.configuration.properties)
      .map((key) => key.replace(/^drizzleLsp\./, ""))
      .filter((key) => !["serverPath", "interpreter", "importStrategy", "trace.server"].includes(key));
    expect([...declared].sort()).toEqual([...SERVER_KEYS].sort());
  });
});

describe("changeEffect", () => {
  const changed = (...keys: string[]) => (section: string) =>
    keys.some((key) => key === section || key.startsWith(`${section}.`));

  it("restarts for what decides which process runs", () => {
    expect(changeEffect(changed("drizzleLsp", "drizzleLsp.serverPath"))).toBe("restart");
    expect(changeEffect(changed("drizzleLsp", "drizzleLsp.interpreter"))).toBe("restart");
    expect(changeEffect(changed("drizzleLsp", "drizzleLsp.importStrategy"))).toBe("restart");
    expect(changeEffect(changed("drizzleLsp", "drizzleLsp.enable"))).toBe("restart");
  });

  it("reconfigures the running server for the analysis settings", () => {
    for (const key of ["select", "ignore", "severity", "postgresVersion", "migrator", "logLevel", "debounceMs"]) {
      expect(changeEffect(changed("drizzleLsp", `drizzleLsp.${key}`))).toBe("reconfigure");
    }
  });

  it("leaves trace.server to the language client and ignores other sections", () => {
    expect(changeEffect(changed("drizzleLsp", "drizzleLsp.trace", "drizzleLsp.trace.server"))).toBe("none");
    expect(changeEffect(changed("editor", "editor.fontSize"))).toBe("none");
  });
});

describe("expandPath", () => {
  const context = { home: "/home/ada", workspaceFolder: "/home/ada/app", env: { VENV: "/venvs/db" } };

  it("expands ~, ${workspaceFolder}, ${userHome} and ${env:NAME}", () => {
    expect(expandPath("~/.local/bin/drizzle-lsp", context)).toBe("/home/ada/.local/bin/drizzle-lsp");
    expect(expandPath("${workspaceFolder}/.venv/bin/python", context)).toBe("/home/ada/app/.venv/bin/python");
    expect(expandPath("${userHome}/x", context)).toBe("/home/ada/x");
    expect(expandPath("${env:VENV}/bin/python", context)).toBe("/venvs/db/bin/python");
    expect(expandPath("${env:MISSING}/python", context)).toBe("/python");
  });

  it("leaves ${workspaceFolder} alone without a folder, and ~user paths as they are", () => {
    expect(expandPath("${workspaceFolder}/x", { ...context, workspaceFolder: undefined })).toBe("${workspaceFolder}/x");
    expect(expandPath("~bob/x", context)).toBe("~bob/x");
  });
});
