import { describe, expect, it } from "vitest";
import { parseRules } from "../src/rules";

describe("parseRules", () => {
  it("reads `drizzle-lsp rules --format json`, sorted by group then name", () => {
    const rules = parseRules(
      JSON.stringify([
        { name: "prefer-text", group: "types", severity: "warning", fix: true, enabledByDefault: true, summary: "s1" },
        { name: "drop-column", group: "breaking", severity: "warning", fix: false, summary: "s2" },
        { name: "naming-convention", group: "naming", severity: "info", fix: false, enabledByDefault: false },
      ]),
    );
    expect(rules.map((r) => r.name)).toEqual(["drop-column", "naming-convention", "prefer-text"]);
    expect(rules[1]).toEqual({
      name: "naming-convention",
      group: "naming",
      severity: "info",
      fix: false,
      enabledByDefault: false,
      summary: "",
    });
  });

  it("skips entries without a name and rejects what is not a list", () => {
    expect(parseRules('[{"group": "x"}, null, {"name": "a"}]').map((r) => r.name)).toEqual(["a"]);
    expect(() => parseRules('{"rules": []}')).toThrow(/did not print a list/);
  });
});
