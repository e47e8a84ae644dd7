// What a user without Python sees: with the bundled libraries but no Python, and then with the bundled server removed
// too, the extension must say, once, what is missing and how to fix it, and keep the details in its output.

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  Workbench,
  attempt,
  copyExample,
  findVsix,
  openBrowser,
  outputLog,
  pathWith,
  startCodeServer,
  tempRoot,
  which,
} from "./harness.mjs";

describe("no Python and no drizzle-lsp anywhere", { timeout: 600_000 }, () => {
  let root, folder, server, browser, page, workbench;
  const step = (body) => attempt(() => page, () => root, body);

  before(async () => {
    root = tempRoot("no-server");
    folder = copyExample(root);
    // An empty PATH folder: no python3, no python, no drizzle-lsp.
    const searchPath = pathWith(root, {});
    for (const program of ["python3", "python", "drizzle-lsp"]) assert.equal(which(program, searchPath), undefined);
    server = await startCodeServer({ root, vsix: findVsix(), env: { PATH: searchPath, VSCODE_CLI: "1" } });
    ({ browser, page } = await openBrowser());
    workbench = new Workbench(page);
    await workbench.open(server.url, folder);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    console.log(`e2e scratch (code-server log, profile, screenshots of failures): ${root}`);
  });

  test("in a workspace without Drizzle the extension does nothing", step(async () => {
    // TypeScript and SQL files activate the extension (onLanguage), but with no drizzle.config.* it must stay idle:
    // no server search, no notification, no status bar item.
    const plain = path.join(root, "plain");
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, "query.sql"), "SELECT 1;\n");
    fs.writeFileSync(path.join(plain, "index.ts"), "export const x = 1;\n");
    const other = new Workbench(await page.context().newPage());
    await other.open(server.url, plain);
    await other.openFile("query.sql");
    await other.openFile("index.ts");
    await other.page.waitForTimeout(5000);
    assert.equal(await other.page.locator('.statusbar-item[aria-label^="drizzle-lsp"]').count(), 0);
    assert.equal(await other.page.locator(".notification-toast", { hasText: "Drizzle LSP" }).count(), 0);
    await other.page.close();
  }));

  test("with the bundled libraries but no Python: one notification asking for Python", step(async () => {
    const toast = await workbench.notification("needs Python 3.10 or newer to run its bundled server");
    const text = await toast.innerText();
    assert.match(text, /Install Python 3 \(python3 on PATH\), or set drizzleLsp\.interpreter or drizzleLsp\.serverPath/);
    for (const button of ["Install Instructions", "Open Settings", "Show Output"]) {
      assert.ok(await toast.locator(".monaco-button", { hasText: button }).count(), `button ${button}`);
    }
    assert.equal(await page.locator(".notification-toast", { hasText: "Drizzle LSP" }).count(), 1, "one notification");
    const item = await workbench.statusItem("drizzle-lsp:");
    assert.equal(await item.getAttribute("aria-label"), "drizzle-lsp: not running: no server found");
    await workbench.screenshot("missing-python.png");
    const log = outputLog(root);
    assert.match(log, /tried the bundled server run by `python3` on PATH: was not found/);
    assert.match(log, /tried `drizzle-lsp` on PATH: was not found/);
  }));

  test("Open Settings shows the extension's settings", step(async () => {
    const toast = await workbench.notification("needs Python 3.10 or newer");
    await toast.locator(".monaco-button", { hasText: "Open Settings" }).click();
    const editor = page.locator(".settings-editor");
    await editor.waitFor({ state: "visible", timeout: 20_000 });
    // serverPath and interpreter are machine settings: code-server lists them under its Remote tab, not User.
    for (const title of ["Enable", "Import Strategy", "Postgres Version", "Migrator"]) {
      await editor.locator(".setting-item-title", { hasText: `Drizzle Lsp: ${title}` }).first().waitFor({ timeout: 20_000 });
    }
    await workbench.screenshot("settings.png");
  }));

  test("with the bundled server removed too: the notification says how to install drizzle-lsp", step(async () => {
    await workbench.command("View: Close All Editors");
    fs.rmSync(path.join(server.extensionPath, "bundled", "libs"), { recursive: true, force: true });
    await workbench.command("Drizzle LSP: Restart Server");
    const toast = await workbench.notification("found no drizzle-lsp server");
    assert.match(await toast.innerText(), /pipx install "drizzle-lsp\[lsp\]"/);
    const item = await workbench.statusItem("drizzle-lsp:");
    assert.equal(await item.getAttribute("aria-label"), "drizzle-lsp: not running: no server found");
    await workbench.screenshot("missing-server.png");
  }));
});
