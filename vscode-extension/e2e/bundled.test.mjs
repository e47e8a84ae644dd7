// The linux-x64 .vsix in real VS Code (code-server), with no Python extension and no drizzle-lsp on PATH: the
// extension must run its bundled server with the system's python3, and the findings must show where a user looks.
// The screenshots it takes are the ones in the extension's README.

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { execFileSync } from "node:child_process";
import {
  Workbench,
  attempt,
  copyExample,
  findVsix,
  openBrowser,
  outputLog,
  pathWith,
  positionOf,
  startCodeServer,
  tempRoot,
  which,
} from "./harness.mjs";

const SCHEMA = "src/db/schema/app.ts";
const MIGRATION = "drizzle/0001_rich_stryfe.sql";

describe("the linux-x64 .vsix with its bundled server", { timeout: 600_000 }, () => {
  let root, folder, server, browser, page, workbench, searchPath;
  const step = (body) => attempt(() => page, () => root, body);

  before(async () => {
    root = tempRoot("bundled");
    folder = copyExample(root);
    // PATH holds a Python 3 and the system's tools, and no drizzle-lsp: only the bundled libraries can serve.
    const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
    searchPath = [pathWith(root, { python3: python }), "/usr/bin", "/bin"].join(path.delimiter);
    assert.equal(which("drizzle-lsp", searchPath), undefined, "drizzle-lsp must not be on the test's PATH");
    server = await startCodeServer({
      root,
      vsix: findVsix(),
      // VSCODE_CLI=1 stops VS Code from replacing PATH with the one a login shell prints (pyenv, venvs...).
      env: { PATH: searchPath, VSCODE_CLI: "1" },
    });
    const extensions = fs.readdirSync(path.dirname(server.extensionPath));
    assert.deepEqual(
      extensions.filter((name) => !name.startsWith(".") && name !== "extensions.json"),
      [path.basename(server.extensionPath)],
      "only drizzle-lsp is installed (no Python extension)",
    );
    ({ browser, page } = await openBrowser());
    workbench = new Workbench(page);
    await workbench.open(server.url, folder);
  });

  after(async () => {
    if (page) await page.screenshot({ path: path.join(root, "last.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
    console.log(`e2e scratch (code-server log, profile, last screenshot): ${root}`);
  });

  test("the status bar shows the bundled server running", step(async () => {
    const item = await workbench.statusItem("drizzle-lsp");
    const label = await workbench.waitForStatus(/: running$/, 90_000);
    assert.match(label, /^drizzle-lsp \d+\.\d+\.\d+ \(bundled, Python 3\.\d+\.\d+\): running$/);
    assert.match(await item.innerText(), /drizzle-lsp/);
    const log = outputLog(root);
    assert.match(log, /using the bundled server run by `python3` on PATH/);
    assert.doesNotMatch(log, /Error|Traceback/);
  }));

  test("squiggles on a schema file", step(async () => {
    await workbench.openFile(SCHEMA);
    const count = await workbench.waitForSquiggles(6);
    assert.ok(count >= 6, `${count} warnings`);
    await workbench.squiggleOnLine("varchar('name', { length: 120 })");
    await workbench.squiggleOnLine("varchar('slug', { length: 60 })");
    await workbench.squiggleOnLine("json('settings')");
    await workbench.screenshot("schema-diagnostics.png");
  }));

  test("the hover explains the rule", step(async () => {
    const box = await workbench.squiggleOnLine("varchar('name', { length: 120 })");
    const text = await workbench.hover(box, "Why is this bad?");
    assert.match(text, /prefer-text/);
    assert.match(text, /"organizations"\."name" is `?varchar\(120\)`?/);
    assert.match(text, /Why is this bad\?/);
    assert.match(text, /Rule documentation: prefer-text/);
    await workbench.screenshot("hover.png");
    await page.mouse.move(5, 400);
  }));

  test("the Problems panel lists the schema's and the migrations' findings", step(async () => {
    const rows = await workbench.problems();
    assert.ok(rows.length > 3, `rows: ${rows.join(" | ")}`);
    await workbench.screenshot("problems.png");
    const schemaRows = await workbench.filterProblems("varchar(120)");
    assert.ok(schemaRows.some((row) => row.includes("app.ts")), schemaRows.join(" | "));
    assert.ok(schemaRows.some((row) => /prefer-text/.test(row) && /varchar\(120\)/.test(row)), schemaRows.join(" | "));
    const migrationRows = await workbench.filterProblems("tasks_project_status_idx");
    assert.ok(migrationRows.some((row) => row.includes("0001_rich_stryfe.sql")), migrationRows.join(" | "));
    assert.ok(migrationRows.some((row) => /require-concurrent-index/.test(row)), migrationRows.join(" | "));
    await workbench.filterProblems("");
    await workbench.command("View: Hide Panel");
  }));

  test("a quick fix on the schema file rewrites the column", step(async () => {
    await workbench.openFile(SCHEMA);
    const at = positionOf(path.join(folder, SCHEMA), "varchar('name', { length: 120 })");
    await workbench.goTo(at.line, at.column);
    await workbench.squiggleOnLine("varchar('name', { length: 120 })");
    const titles = await workbench.quickFix(at, "Use `text()`");
    assert.ok(titles.includes("Use `text()` (review: changes behaviour)"), titles.join(" | "));
    assert.ok(titles.includes("Disable prefer-text for this line"), titles.join(" | "));
    await workbench.waitForLine("name: text('name').notNull(),");
    const saved = await workbench.save(path.join(folder, SCHEMA), /^ {2}name: text\('name'\)\.notNull\(\),$/m);
    assert.match(saved, /slug: varchar\('slug', \{ length: 60 \}\)/, "only the chosen finding is fixed");
  }));

  test("squiggles, hover and a quick fix on a migration", step(async () => {
    await workbench.openFile(MIGRATION);
    await workbench.waitForSquiggles(2);
    const box = await workbench.squiggleOnLine('CREATE INDEX "tasks_project_status_idx"');
    const text = await workbench.hover(box, "require-concurrent-index");
    assert.match(text, /takes a SHARE lock: writes to "tasks" are blocked/);
    await workbench.screenshot("migration-hover.png");
    await page.mouse.move(5, 400);
    const at = positionOf(path.join(folder, MIGRATION), 'CREATE INDEX "tasks_project_status_idx"');
    const titles = await workbench.quickFix(at, "Add CONCURRENTLY", { screenshot: "quick-fix.png" });
    assert.ok(titles.some((t) => t.startsWith("Add CONCURRENTLY after CREATE INDEX")), titles.join(" | "));
    await workbench.waitForLine('CREATE INDEX CONCURRENTLY "tasks_project_status_idx" ON "tasks"');
    const saved = await workbench.save(
      path.join(folder, MIGRATION),
      /^CREATE INDEX CONCURRENTLY "tasks_project_status_idx" ON "tasks" USING btree/m,
    );
    assert.match(saved, /^ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_id_user_id_fk"/m, "the rest is unchanged");
    const original = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "examples", "saas", MIGRATION), "utf8");
    assert.doesNotMatch(original, /CONCURRENTLY/, "the repository's example is untouched");
  }));

  test("Explain Rule shows the rule's page", step(async () => {
    await workbench.command("Drizzle LSP: Explain Rule…");
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor({ state: "visible" });
    await page.locator(".quick-input-list .monaco-list-row").first().waitFor({ timeout: 30_000 });
    await input.fill("prefer-timestamptz");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "prefer-timestamptz" }).first().waitFor();
    await page.keyboard.press("Enter");
    const frame = await workbench.markdownPreview("prefer-timestamptz");
    assert.match(await frame.locator("body").innerText(), /Why is this bad\?/);
    await workbench.screenshot("explain-rule.png");
  }));

  test("Check Whole Workspace runs drizzle-lsp check in a terminal", step(async () => {
    await workbench.command("Drizzle LSP: Check Whole Workspace");
    // The terminal shows the end of the report: the last findings and the summary line.
    const text = await workbench.terminalText(
      /Found \d+ problems \(\d+ errors?, \d+ warnings?\) in 7 files \(1 project, 6 migrations[\s\S]*Terminal will be reused/,
    );
    // Exit status 1: findings at warning or above, as in CI. (Rows wrap mid-word: join them without spaces.)
    assert.match(text.replace(/\n/g, ""), /'check', '[^']+saas'"\s*(terminated\s*with|failed\s*to\s*launch\s*\()\s*exit\s*code:\s*1/);
    await workbench.command("View: Toggle Maximized Panel");
    await workbench.screenshot("check-workspace.png");
    await workbench.command("View: Toggle Maximized Panel");
  }));

  test("Show Pending Migrations runs drizzle-lsp migrate --dry-run in a terminal", step(async () => {
    await workbench.command("Drizzle LSP: Show Pending Migrations");
    // The plan ends with the last migration's statements and their locks, then the task's own lines once the
    // process has exited (VS Code says "failed to launch" instead of "terminated" when a process exits non-zero
    // quickly). The terminal shows only the end, so match the last statement rather than the migration's heading.
    const text = await workbench.terminalText(/0005_stale_lyja\.sql:18 [\s\S]*Terminal will be reused/);
    assert.match(text.replace(/\s*\n\s*/g, ""), /'migrate', '--dry-run'/);
  }));

  test("the status bar item opens the output", step(async () => {
    const item = await workbench.statusItem("drizzle-lsp 0.");
    await item.click();
    await page.locator(".panel .output-view, .panel [id='workbench.panel.output']").first().waitFor({ timeout: 15_000 });
    // The channel's first lines say which server runs and why (the panel shows its end; go to the top).
    await page.locator(".panel .output-view .view-lines, .panel .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+Home");
    const text = await workbench.outputText();
    assert.match(text, /using the bundled server run by `python3` on PATH/);
    assert.match(text, /Starting drizzle-lsp \d+\.\d+\.\d+ \(bundled, Python 3/);
    await workbench.screenshot("status-output.png");
  }));

  test("a settings change reconfigures the running server", step(async () => {
    const slug = "varchar('slug', { length: 60 })";
    await workbench.openFile(SCHEMA);
    await workbench.squiggleOnLine(slug);
    const starts = () => outputLog(root).match(/Starting drizzle-lsp/g)?.length ?? 0;
    const before = starts();
    await workbench.editUserSettings(root, { "drizzleLsp.severity": { "prefer-text": "off" } });
    await workbench.openFile(SCHEMA);
    await workbench.waitForNoSquiggleOnLine(slug);
    assert.equal(starts(), before, "no restart, only workspace/didChangeConfiguration");
    await workbench.editUserSettings(root, { "drizzleLsp.severity": undefined });
    await workbench.openFile(SCHEMA);
    await workbench.squiggleOnLine(slug, "warning", 30_000);
  }));

  test("drizzleLsp.enable stops the server, and starts it again", step(async () => {
    await workbench.editUserSettings(root, { "drizzleLsp.enable": false });
    await workbench.waitForStatus(/: disabled by drizzleLsp\.enable$/, 30_000);
    await workbench.openFile(SCHEMA);
    await workbench.waitForNoSquiggleOnLine("varchar('slug', { length: 60 })");
    await workbench.editUserSettings(root, { "drizzleLsp.enable": undefined });
    await workbench.waitForStatus(/\(bundled, Python [\d.]+\): running$/);
    await workbench.openFile(SCHEMA);
    await workbench.squiggleOnLine("varchar('slug', { length: 60 })", "warning", 60_000);
  }));
});
