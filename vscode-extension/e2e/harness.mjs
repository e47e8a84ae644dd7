// Drives real VS Code (code-server in Debian's Chromium, through playwright-core) for the end-to-end tests.
// Everything a test needs from the outside comes from environment variables with working defaults:
//   DRIZZLE_LSP_VSIX          the .vsix to install (default: the newest drizzle-lsp-linux-x64-*.vsix here)
//   DRIZZLE_LSP_CODE_SERVER   code-server's out/node/entry.js (default: what scripts/install-code-server.sh installs)
//   CHROMIUM                  the browser (default: /usr/bin/chromium)

import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const EXTENSION_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPOSITORY = path.dirname(EXTENSION_DIR);
export const IMAGES = path.join(EXTENSION_DIR, "images");

export function findVsix() {
  if (process.env.DRIZZLE_LSP_VSIX) return path.resolve(process.env.DRIZZLE_LSP_VSIX);
  const found = fs
    .readdirSync(EXTENSION_DIR)
    .filter((name) => /^drizzle-lsp-linux-x64-.*\.vsix$/.test(name))
    .map((name) => path.join(EXTENSION_DIR, name))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!found.length) throw new Error("no drizzle-lsp-linux-x64-*.vsix: run `npm run package:linux-x64` first");
  return found[0];
}

export function findCodeServer() {
  if (process.env.DRIZZLE_LSP_CODE_SERVER) return process.env.DRIZZLE_LSP_CODE_SERVER;
  const script = path.join(EXTENSION_DIR, "scripts", "install-code-server.sh");
  const out = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.trim().split("\n").pop();
}

/** A folder of `PATH` that holds only the named programs (symlinks), so a test decides exactly what is found. */
export function pathWith(root, programs) {
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin, { recursive: true });
  for (const [name, target] of Object.entries(programs)) fs.symlinkSync(target, path.join(bin, name));
  return bin;
}

/** Where `name` is on the current PATH, or undefined. */
export function which(name, searchPath = process.env.PATH ?? "") {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

const USER_SETTINGS = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.colorTheme": "Default Dark Modern",
  "security.workspace.trust.enabled": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "git.enabled": false,
  "chat.commandCenter.enabled": false,
  "editor.minimap.enabled": false,
  // The DOM renderer keeps the terminal's text in the page, where a test can read it.
  "terminal.integrated.gpuAcceleration": "off",
  "editor.hover.delay": 150,
  "editor.fontSize": 14,
  "window.zoomLevel": 0,
  // The example project has no node_modules (drizzle-lsp reads it statically); TypeScript's own "cannot find
  // module" errors would crowd the squiggles and the Problems panel that the test reads.
  "typescript.validate.enable": false,
  "javascript.validate.enable": false,
  ...(process.env.DRIZZLE_LSP_E2E_TRACE ? { "drizzleLsp.trace.server": "messages" } : {}),
};

/**
 * A code-server with its own profile and extensions folder, with the .vsix installed, serving `folder`.
 * `env` replaces the environment's PATH etc. for code-server and so for the extension host and the server it starts.
 */
export async function startCodeServer({ root, vsix, env = {}, afterInstall }) {
  const entry = findCodeServer();
  const userData = path.join(root, "user-data");
  const extensions = path.join(root, "extensions");
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.mkdirSync(extensions, { recursive: true });
  fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify(USER_SETTINGS, null, 2));
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions];
  execFileSync(process.execPath, [entry, ...common, "--install-extension", vsix], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const installed = fs.readdirSync(extensions).find((name) => name.startsWith("drizzle-lsp.drizzle-lsp-"));
  if (!installed) throw new Error(`the .vsix did not install into ${extensions}`);
  if (afterInstall) afterInstall(path.join(extensions, installed));

  const port = await freePort();
  const config = path.join(root, "config.yaml");
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const log = fs.openSync(path.join(root, "code-server.log"), "w");
  const child = spawn(
    process.execPath,
    [entry, "--config", config, ...common, "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust"],
    { env: { ...process.env, ...env }, stdio: ["ignore", log, log], detached: false },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`code-server exited: ${fs.readFileSync(path.join(root, "code-server.log"), "utf8")}`);
    if (Date.now() > deadline) throw new Error("code-server did not answer within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    extensionPath: path.join(extensions, installed),
    log: path.join(root, "code-server.log"),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => {
          const timer = setTimeout(() => {
            child.kill("SIGKILL");
            r();
          }, 5000);
          child.once("exit", () => {
            clearTimeout(timer);
            r();
          });
        });
      }
    },
  };
}

export async function openBrowser() {
  // Playwright gives each launch a fresh, empty browser profile of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // The machine's network is closed: without these flags Chromium keeps trying to reach Google's services.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  return { browser, page };
}

export function copyExample(root) {
  // A copy: the quick fix edits files, and the repository's example must stay as it is.
  const target = path.join(root, "saas");
  fs.cpSync(path.join(REPOSITORY, "examples", "saas"), target, { recursive: true });
  return target;
}

export function tempRoot(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `drizzle-lsp-e2e-${name}-`));
}

export class Workbench {
  constructor(page) {
    this.page = page;
  }

  async open(url, folder) {
    await this.page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await this.page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
    await this.page.waitForSelector(".explorer-folders-view .monaco-list-row", { timeout: 60_000 });
  }

  /** Opens a file by its path relative to the folder: its tab when it is open, else Quick Open. */
  async openFile(relative) {
    const page = this.page;
    const base = path.basename(relative);
    const active = page.locator(".tabs-container .tab.active", { hasText: base });
    for (let tries = 0; ; tries++) {
      try {
        await this.tryOpenFile(relative, base);
        await active.waitFor({ timeout: 10_000 });
        break;
      } catch (error) {
        // A key press can land while focus is moving between the panel and the editor: do it again.
        if (tries >= 2) throw error;
      }
    }
    await page.locator(".editor-instance .view-line").first().waitFor();
  }

  async tryOpenFile(relative, base) {
    const page = this.page;
    // Tabs show the file name only; only trust a tab when that name is unique among them.
    const tab = page.locator(".tabs-container .tab", { hasText: base });
    if ((await tab.count()) === 1) {
      await tab.click();
      return;
    }
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await page.keyboard.press("Escape"); // close whatever popup has the keyboard
    await page.keyboard.press("Control+P");
    await input.waitFor({ state: "visible", timeout: 5000 });
    await input.fill(relative);
    const row = page.locator(".quick-input-list .monaco-list-row", { hasText: base }).first();
    await row.waitFor({ state: "visible", timeout: 20_000 });
    await page.waitForTimeout(300); // the list is re-sorted as the search finishes
    await page.keyboard.press("Enter");
  }

  editor() {
    return this.page.locator(".editor-group-container.active .monaco-editor").first();
  }

  /** The visible lines of the active editor, in order (Monaco reuses line nodes, so the DOM order is not it). */
  async lines() {
    return this.editor()
      .locator(".view-lines .view-line")
      .evaluateAll((nodes) =>
        nodes
          .map((node) => ({ top: parseFloat(node.style.top), text: node.textContent.replace(/\u00a0/g, " ") }))
          .sort((a, b) => a.top - b.top)
          .map((line) => line.text),
      );
  }

  async squiggles(kind = "warning") {
    return this.editor().locator(`.squiggly-${kind}`);
  }

  async waitForSquiggles(minimum, kind = "warning", timeout = 60_000) {
    const locator = await this.squiggles(kind);
    const deadline = Date.now() + timeout;
    for (;;) {
      const count = await locator.count();
      if (count >= minimum) return count;
      if (Date.now() > deadline) throw new Error(`expected at least ${minimum} .squiggly-${kind}, saw ${count}`);
      await this.page.waitForTimeout(250);
    }
  }

  /** The screen box of the squiggle on the visible line containing `lineText` (the leftmost one). */
  async squiggleOnLine(lineText, kind = "warning", timeout = 10_000) {
    const editor = this.editor();
    const deadline = Date.now() + timeout;
    for (;;) {
      // Monaco re-creates its decoration layer on every cursor move and repaint: look again until it settles.
      const lineBox = await editor.locator(".view-lines .view-line", { hasText: lineText }).first().boundingBox({ timeout: 2000 }).catch(() => null);
      const boxes = await editor.locator(`.squiggly-${kind}`).evaluateAll((nodes) =>
        nodes.map((node) => {
          const r = node.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }),
      );
      const onLine = lineBox
        ? boxes
            .filter((box) => box.width > 0 && Math.abs(box.y + box.height / 2 - (lineBox.y + lineBox.height / 2)) < lineBox.height / 2)
            .sort((a, b) => a.x - b.x)
        : [];
      if (onLine.length) return onLine[0];
      if (Date.now() > deadline) {
        throw new Error(lineBox ? `no .squiggly-${kind} on the line ${JSON.stringify(lineText)}` : `no visible line contains ${JSON.stringify(lineText)}`);
      }
      await this.page.waitForTimeout(250);
    }
  }

  /**
   * Changes user settings the way a user does, in the settings.json editor (code-server does not notice the file
   * being written behind its back). A value of undefined removes the key.
   */
  async editUserSettings(root, changes) {
    const page = this.page;
    const file = path.join(root, "user-data", "User", "settings.json");
    const settings = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete settings[key];
      else settings[key] = value;
    }
    await this.command("Preferences: Open User Settings (JSON)");
    await page.locator(".tabs-container .tab.active", { hasText: "settings.json" }).waitFor({ timeout: 20_000 });
    await page.locator(".editor-group-container.active .monaco-editor .view-line").first().click();
    await page.keyboard.press("Control+A");
    // One line, inserted at once; whatever auto-closing added after the cursor goes.
    await page.keyboard.insertText(JSON.stringify(settings));
    await page.keyboard.press("Shift+Control+End");
    await page.keyboard.press("Delete");
    await page.keyboard.press("Control+S");
    const deadline = Date.now() + 15_000;
    // VS Code truncates the file before writing it: a read in between sees empty or partial JSON, which is "not yet".
    const saved = () => {
      try {
        return JSON.stringify(JSON.parse(fs.readFileSync(file, "utf8")));
      } catch {
        return undefined;
      }
    };
    while (saved() !== JSON.stringify(settings)) {
      if (Date.now() > deadline) throw new Error(`settings.json was not saved as ${JSON.stringify(settings)}`);
      await page.waitForTimeout(200);
    }
    await this.command("View: Close Editor");
  }

  async waitForNoSquiggleOnLine(lineText, kind = "warning", timeout = 30_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        await this.squiggleOnLine(lineText, kind, 0);
      } catch (error) {
        if (/no \.squiggly/.test(String(error))) return;
        throw error;
      }
      if (Date.now() > deadline) throw new Error(`the .squiggly-${kind} on ${JSON.stringify(lineText)} stayed`);
      await this.page.waitForTimeout(300);
    }
  }

  /** Hovers a squiggle by moving the mouse onto it (Playwright's hover() is intercepted by Monaco's layers). */
  async hover(box, expectText) {
    const page = this.page;
    const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: expectText }).first();
    for (let attempt = 0; attempt < 4; attempt++) {
      await page.mouse.move(box.x + 2, box.y - 20);
      await page.mouse.move(box.x + Math.min(box.width / 2, 40), box.y + box.height / 2, { steps: 4 });
      try {
        await hover.waitFor({ state: "visible", timeout: 5000 });
        return (await hover.innerText()).trim();
      } catch {
        // Monaco sometimes drops a hover that starts while it is still painting; move away and try again.
      }
    }
    throw new Error(`no hover containing ${JSON.stringify(expectText)}`);
  }

  /** Moves the cursor to a 1-based line and column with Go to Line (Ctrl+G): no mouse, no hover in the way. */
  async goTo(line, column = 1) {
    const page = this.page;
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+G");
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor({ state: "visible" });
    await input.fill(`:${line}:${column}`);
    await page.keyboard.press("Enter");
    await input.waitFor({ state: "hidden" });
  }

  /**
   * Opens the quick fix menu (Ctrl+.) at a 1-based position and picks the action whose title contains `title`.
   * Returns every title the menu offered.
   */
  async quickFix({ line, column }, title, { screenshot } = {}) {
    const page = this.page;
    const rows = page.locator(".action-widget .monaco-list-row");
    const item = rows.filter({ hasText: title }).first();
    for (let tries = 0; ; tries++) {
      await this.goTo(line, column);
      await page.keyboard.press("Control+.");
      try {
        await item.waitFor({ state: "visible", timeout: 10_000 });
        break;
      } catch (error) {
        // Right after an edit or a focus change the first request can come back empty ("No code actions
        // available") while the server catches up: ask again, as a user would.
        if (tries >= 2) throw error;
        await page.keyboard.press("Escape");
        await page.waitForTimeout(1000);
      }
    }
    const titles = (await rows.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    // The menu sits under a pointer-blocking layer: choose with the keyboard, as its own hint says.
    for (let step = 0; step < titles.length + 2; step++) {
      const focused = (await page.locator(".action-widget .monaco-list-row.focused").getAttribute("aria-label")) ?? "";
      if (typeof title === "string" ? focused.includes(title) : title.test(focused)) break;
      await page.keyboard.press("ArrowDown");
    }
    if (screenshot) await this.screenshot(screenshot);
    await page.keyboard.press("Enter");
    await page.locator(".action-widget").waitFor({ state: "hidden", timeout: 10_000 }).catch(() => {});
    return titles;
  }

  async waitForLine(text, timeout = 15_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const lines = await this.lines();
      if (lines.some((line) => line.includes(text))) return lines;
      if (Date.now() > deadline) throw new Error(`no line ${JSON.stringify(text)} in:\n${lines.join("\n")}`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Saves the active editor and waits until the file on disk matches `expected`. Returns the file's text. */
  async save(file, expected, timeout = 15_000) {
    await this.page.keyboard.press("Control+S");
    const deadline = Date.now() + timeout;
    for (;;) {
      const text = fs.readFileSync(file, "utf8");
      if (expected.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`${file} never matched ${expected} after saving:\n${text}`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Types into the Problems panel's filter box and returns the rows left. */
  async filterProblems(text) {
    const page = this.page;
    const input = page.locator(".panel .viewpane-filter input, .panel .markers-panel-filter-container input").first();
    await input.waitFor({ state: "visible" });
    await input.fill(text);
    await page.waitForTimeout(600); // the filter is debounced
    return page.locator(".markers-panel .monaco-list-row").allInnerTexts();
  }

  /** The frame of the Markdown preview whose tab title contains `title`, once its body has text. */
  async markdownPreview(title) {
    const page = this.page;
    await page.locator(".tabs-container .tab.active", { hasText: title }).waitFor({ timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const frame of page.frames()) {
        try {
          const body = await frame.locator("body.vscode-body, .markdown-body").first().innerText({ timeout: 200 });
          if (body && body.includes(title)) return frame;
        } catch {
          // not this frame, or not loaded yet
        }
      }
      if (Date.now() > deadline) throw new Error(`no Markdown preview showing ${title}`);
      await page.waitForTimeout(300);
    }
  }

  async problems() {
    const page = this.page;
    await page.keyboard.press("Control+Shift+M");
    const panel = page.locator(".markers-panel");
    await panel.waitFor({ state: "visible" });
    await panel.locator(".monaco-list-row").first().waitFor({ timeout: 30_000 });
    return panel.locator(".monaco-list-row").allInnerTexts();
  }

  /** Runs a command from the palette by its title. */
  async command(title) {
    const page = this.page;
    const input = page.locator(".quick-input-widget .quick-input-box input");
    for (let tries = 0; ; tries++) {
      try {
        await page.keyboard.press("Escape");
        await page.keyboard.press("Control+Shift+P");
        await input.waitFor({ state: "visible", timeout: 5000 });
        await input.fill(`>${title}`, { timeout: 5000 });
        await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 10_000 });
        await page.keyboard.press("Enter");
        return;
      } catch (error) {
        // The palette closes when focus moves under it (a terminal or panel opening): open it again.
        if (tries >= 3) throw error;
      }
    }
  }

  /** The text of the output channel shown in the panel (its visible lines). */
  async outputText() {
    const lines = this.page.locator(".panel .output-view .view-lines .view-line, .panel .view-lines .view-line");
    await lines.first().waitFor({ state: "visible", timeout: 15_000 });
    return (
      await lines.evaluateAll((nodes) =>
        nodes
          .map((node) => ({ top: parseFloat(node.style.top), text: node.textContent.replace(/\u00a0/g, " ") }))
          .sort((a, b) => a.top - b.top)
          .map((line) => line.text),
      )
    ).join("\n");
  }

  /** Waits until a terminal shows `text` (a string or RegExp) and returns that terminal's visible text. */
  async terminalText(text, timeout = 60_000) {
    const terminals = this.page.locator(".xterm .xterm-rows");
    const deadline = Date.now() + timeout;
    let seen = [];
    for (;;) {
      seen = (await terminals.allInnerTexts().catch(() => [])).map((t) => t.replace(/\u00a0/g, " "));
      const match = seen.find((content) => (typeof text === "string" ? content.includes(text) : text.test(content)));
      if (match !== undefined) return match;
      if (Date.now() > deadline) throw new Error(`no terminal showed ${text}; they show:\n${seen.join("\n-----\n")}`);
      await this.page.waitForTimeout(300);
    }
  }

  async statusItem(labelStart = "drizzle-lsp") {
    const item = this.page.locator(`.statusbar-item[aria-label^="${labelStart}"]`).first();
    await item.waitFor({ state: "visible", timeout: 60_000 });
    return item;
  }

  /** Waits until the drizzle-lsp status bar item's accessible label matches `pattern`; returns the label. */
  async waitForStatus(pattern, timeout = 60_000) {
    const handle = await this.page.waitForFunction(
      (source) => {
        const label = document.querySelector('.statusbar-item[aria-label^="drizzle-lsp"]')?.getAttribute("aria-label");
        return label && new RegExp(source).test(label) ? label : false;
      },
      pattern.source,
      { timeout },
    );
    return handle.jsonValue();
  }

  async notification(text, timeout = 60_000) {
    const toast = this.page.locator(".notification-toast", { hasText: text }).first();
    await toast.waitFor({ state: "visible", timeout });
    await this.page.waitForTimeout(500); // let it finish sliding in (screenshots)
    return toast;
  }

  async screenshot(name, options = {}) {
    fs.mkdirSync(IMAGES, { recursive: true });
    const file = path.join(IMAGES, name);
    await this.page.screenshot({ path: file, ...options });
    return file;
  }
}

/** What the extension wrote to its output channel (VS Code keeps a copy of every channel under the profile's logs). */
export function outputLog(root) {
  const logs = path.join(root, "user-data", "logs");
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith("Drizzle LSP.log")) found.push(full);
    }
  };
  if (fs.existsSync(logs)) walk(logs);
  return found.map((file) => fs.readFileSync(file, "utf8")).join("\n");
}

/** Wraps a test body so that a failure leaves a screenshot of the workbench next to the code-server log. */
export function attempt(getPage, getRoot, body) {
  return async (t) => {
    try {
      await body(t);
    } catch (error) {
      const page = getPage();
      const root = getRoot();
      if (page && root) {
        const file = path.join(root, `failed-${t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`);
        await page.screenshot({ path: file }).catch(() => {});
        console.log(`screenshot of the failure: ${file}`);
      }
      throw error;
    }
  };
}

/** The 1-based line and column of the first occurrence of `text` in a file. */
export function positionOf(file, text) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const index = lines.findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} is not in ${file}`);
  return { line: index + 1, column: lines[index].indexOf(text) + 1 };
}

