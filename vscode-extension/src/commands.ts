// The palette commands. The CLI ones run the same server the extension found, so what the terminal says and what
// the editor shows come from one drizzle-lsp.

import * as path from "node:path";
import * as vscode from "vscode";
import type { Controller } from "./controller";
import { parseRules, type RuleInfo } from "./rules";

export const RULE_SCHEME = "drizzle-lsp-rule";

export function registerCommands(context: vscode.ExtensionContext, controller: Controller): void {
  const rulePages = new RulePages(controller);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(RULE_SCHEME, rulePages),
    vscode.commands.registerCommand("drizzleLsp.restart", () => requireActive(controller, () => controller.restart())),
    vscode.commands.registerCommand("drizzleLsp.showOutput", () => controller.log.show(true)),
    vscode.commands.registerCommand("drizzleLsp.explainRule", (rule?: unknown) =>
      requireActive(controller, () => explainRule(controller, typeof rule === "string" ? rule : undefined)),
    ),
    vscode.commands.registerCommand("drizzleLsp.checkWorkspace", () =>
      requireActive(controller, () => checkWorkspace(controller)),
    ),
    vscode.commands.registerCommand("drizzleLsp.migrateDryRun", () =>
      requireActive(controller, () => migrateDryRun(controller)),
    ),
  );
}

async function requireActive(controller: Controller, work: () => Promise<unknown>): Promise<void> {
  if (!controller.isActive) {
    void vscode.window.showInformationMessage(
      "Drizzle LSP: this workspace has no drizzle.config.* (nor .drizzle-lsp.toml), so drizzle-lsp is not running.",
    );
    return;
  }
  await work();
}

async function explainRule(controller: Controller, rule?: string): Promise<void> {
  let name = rule;
  if (!name) {
    const listed = await controller.runCli(["rules", "--format", "json"]);
    let rules: RuleInfo[];
    try {
      rules = parseRules(listed.stdout);
    } catch {
      void vscode.window.showErrorMessage(
        `Drizzle LSP: could not list the rules (${listed.error ?? listed.stderr.trim() ?? "no output"}).`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      rules.map((r) => ({
        label: r.name,
        description: [r.group, r.severity, r.fix ? "fix" : "", r.enabledByDefault ? "" : "off by default"]
          .filter(Boolean)
          .join(" · "),
        detail: r.summary,
      })),
      { title: "Explain a drizzle-lsp rule", matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return;
    name = picked.label;
  }
  const uri = vscode.Uri.from({ scheme: RULE_SCHEME, path: `/${name}.md` });
  const document = await vscode.workspace.openTextDocument(uri);
  // The rule page is Markdown: the preview reads better; the read-only source is the fallback.
  try {
    await vscode.commands.executeCommand("markdown.showPreview", uri);
  } catch {
    await vscode.window.showTextDocument(document, { preview: true });
  }
}

class RulePages implements vscode.TextDocumentContentProvider {
  constructor(private readonly controller: Controller) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const rule = path.posix.basename(uri.path, ".md");
    const result = await this.controller.runCli(["explain", rule]);
    if (result.code === 0) return result.stdout;
    return `# ${rule}\n\ndrizzle-lsp could not explain this rule:\n\n\`\`\`\n${(result.error ?? result.stderr).trim()}\n\`\`\`\n`;
  }
}

async function checkWorkspace(controller: Controller): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length) return;
  await runInTerminal(controller, "check", ["check", ...folders.map((f) => f.uri.fsPath)], folders[0]);
}

async function migrateDryRun(controller: Controller): Promise<void> {
  const configs = await vscode.workspace.findFiles("**/drizzle.config.*", "**/node_modules/**", 50);
  const projects = [...new Set(configs.map((uri) => path.dirname(uri.fsPath)))].sort();
  if (!projects.length) {
    void vscode.window.showInformationMessage("Drizzle LSP: no drizzle.config.* in this workspace.");
    return;
  }
  let project = projects[0];
  if (projects.length > 1) {
    const picked = await vscode.window.showQuickPick(
      projects.map((p) => ({ label: vscode.workspace.asRelativePath(p), project: p })),
      { title: "Which Drizzle project?" },
    );
    if (!picked) return;
    project = picked.project;
  }
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project));
  await runInTerminal(controller, "migrate --dry-run", ["migrate", "--dry-run", project], folder, project);
}

async function runInTerminal(
  controller: Controller,
  label: string,
  args: string[],
  folder: vscode.WorkspaceFolder | undefined,
  cwd?: string,
): Promise<void> {
  const launch = await controller.ensureLaunch();
  if (!launch) {
    void vscode.window.showErrorMessage("Drizzle LSP: no drizzle-lsp server was found; the output says where it looked.");
    controller.log.show(true);
    return;
  }
  // A task runs the process directly (no shell quoting to get wrong on any platform) and shows it in the terminal
  // panel, where the report keeps its colours and caret lines.
  const execution = new vscode.ProcessExecution(launch.command, [...launch.prefix, ...args], {
    cwd: cwd ?? folder?.uri.fsPath,
  });
  const task = new vscode.Task(
    { type: "drizzle-lsp", command: args[0] },
    folder ?? vscode.TaskScope.Workspace,
    label,
    "drizzle-lsp",
    execution,
    [],
  );
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  await vscode.tasks.executeTask(task);
}
