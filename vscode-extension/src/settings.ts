// The `drizzleLsp` settings: which ones the extension keeps for itself (how to start the server) and which ones go
// to the server, and what a change of each needs. No `vscode` import, so vitest can run it.

export const SECTION = "drizzleLsp";

export type ImportStrategy = "useBundled" | "fromEnvironment";

/** What the extension needs to find and start the server. */
export interface LaunchSettings {
  enable: boolean;
  serverPath: string;
  interpreter: string;
  importStrategy: ImportStrategy;
}

/** Keys the server reads (lsp/settings.py); everything else in the section stays in the extension. */
export const SERVER_KEYS = [
  "enable",
  "select",
  "ignore",
  "severity",
  "postgresVersion",
  "migrator",
  "logLevel",
  "debounceMs",
] as const;

// The server ignores serverPath/interpreter/importStrategy, but it would read `trace` (an object here: trace.server)
// as a malformed log level and warn the user about a setting they never wrote. So the section is filtered, never
// forwarded whole.
const LAUNCH_KEYS = ["serverPath", "interpreter", "importStrategy"] as const;

export type Getter = (key: string) => unknown;

export function readLaunchSettings(get: Getter, problems: string[] = []): LaunchSettings {
  const text = (key: string): string => {
    const value = get(key);
    if (value === undefined || value === null || value === "") return "";
    if (typeof value !== "string") {
      problems.push(`${SECTION}.${key} must be a path (a string); it is ignored`);
      return "";
    }
    return value.trim();
  };
  const enableValue = get("enable");
  let importStrategy: ImportStrategy = "useBundled";
  const strategy = get("importStrategy");
  if (strategy === "fromEnvironment" || strategy === "useBundled") {
    importStrategy = strategy;
  } else if (strategy !== undefined && strategy !== null) {
    problems.push(`${SECTION}.importStrategy must be useBundled or fromEnvironment; useBundled is used`);
  }
  return {
    enable: enableValue === undefined || enableValue === null ? true : enableValue !== false,
    serverPath: text("serverPath"),
    interpreter: text("interpreter"),
    importStrategy,
  };
}

/** The object sent as initializationOptions / didChangeConfiguration / workspace/configuration answer. */
export function serverSettings(get: Getter): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    const value = get(key);
    // null means "not set here": the project's .drizzle-lsp.toml decides, so the key is left out.
    if (value !== undefined && value !== null) settings[key] = copy(value);
  }
  return settings;
}

/** Filters a raw section (as VS Code answers workspace/configuration) down to what the server understands. */
export function filterSection(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const section = raw as Record<string, unknown>;
  return serverSettings((key) => section[key]);
}

function copy(value: unknown): unknown {
  // VS Code hands out frozen proxies for objects and arrays; the language client serialises plain data more
  // predictably.
  return value !== null && typeof value === "object" ? JSON.parse(JSON.stringify(value)) : value;
}

export type ChangeEffect = "none" | "reconfigure" | "restart";

/**
 * What a configuration change needs. `affects` is ConfigurationChangeEvent.affectsConfiguration.
 * Anything that decides which process runs (or whether one runs) needs a new process; the rest the running server
 * takes through workspace/didChangeConfiguration. trace.server is applied by the language client itself.
 */
export function changeEffect(affects: (section: string) => boolean): ChangeEffect {
  if (!affects(SECTION)) return "none";
  if (affects(`${SECTION}.enable`) || LAUNCH_KEYS.some((key) => affects(`${SECTION}.${key}`))) return "restart";
  if (SERVER_KEYS.some((key) => affects(`${SECTION}.${key}`))) return "reconfigure";
  return "none";
}

export interface PathContext {
  home: string;
  workspaceFolder?: string;
  env: Record<string, string | undefined>;
}

/** Expands `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}` the way VS Code users expect in path settings. */
export function expandPath(value: string, context: PathContext): string {
  let result = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name, env) => {
    if (name === "workspaceFolder") return context.workspaceFolder ?? match;
    if (name === "userHome") return context.home;
    return context.env[env] ?? "";
  });
  if (result === "~" || result.startsWith("~/") || result.startsWith("~\\")) {
    result = context.home + result.slice(1);
  }
  return result;
}
