// The shape of `drizzle-lsp rules --format json`, checked rather than trusted: an older or newer server may differ.

export interface RuleInfo {
  name: string;
  group: string;
  severity: string;
  fix: boolean;
  enabledByDefault: boolean;
  summary: string;
}

export function parseRules(json: string): RuleInfo[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error("drizzle-lsp rules --format json did not print a list");
  return data
    .filter((item): item is Record<string, unknown> => item !== null && typeof item === "object" && typeof item.name === "string")
    .map((item) => ({
      name: item.name as string,
      group: typeof item.group === "string" ? item.group : "",
      severity: typeof item.severity === "string" ? item.severity : "",
      fix: item.fix === true,
      enabledByDefault: item.enabledByDefault !== false,
      summary: typeof item.summary === "string" ? item.summary : "",
    }))
    .sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
}
