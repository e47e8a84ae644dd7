// Owns the language client: finds the server, starts it, restarts it when a launch setting or the Python
// interpreter changes, forwards the other settings to the running server, and keeps the status bar honest.

import * as os from "node:os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { readBundle } from "./bundle";
import { describeFailure, discover, type DiscoveryInput, type Launch } from "./discovery";
import { onPythonInterpreterChange, pythonExtensionInterpreter } from "./python";
import { runProcess } from "./run";
import {
  SECTION,
  changeEffect,
  expandPath,
  filterSection,
  readLaunchSettings,
  serverSettings,
  type LaunchSettings,
} from "./settings";
import { Status, describeLaunch, type ServerState } from "./status";

export const INSTALL_URL = "https://github.com/drizzle-lsp/drizzle-lsp/tree/main/vscode-extension#finding-the-server";
const DRIZZLE_FILES = "**/{drizzle.config.*,.drizzle-lsp.toml}";
const SHOW_DOCUMENTATION = "drizzle-lsp.showDocumentation";
const SHOW_SPLIT_PREVIEW = "drizzle-lsp.showSplitPreview";

// SQL migrations (whatever language an SQL extension assigns them) and TypeScript, where Drizzle schemas live; the
// journal and config files so their problems show where they are.
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "sql" },
  { scheme: "file", pattern: "**/*.sql" },
  { scheme: "file", language: "typescript" },
  { scheme: "file", pattern: "**/.drizzle-lsp.toml" },
  { scheme: "file", pattern: "**/meta/_journal.json" },
];

export class Controller implements vscode.Disposable {
  private client?: LanguageClient;
  private launch?: Launch;
  private state: ServerState = "stopped";
  private output?: vscode.OutputChannel;
  private status?: Status;
  private active = false;
  private stopping = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext) {}

  get isActive(): boolean {
    return this.active;
  }

  get currentLaunch(): Launch | undefined {
    return this.launch;
  }

  /** The output channel, created on first use so that workspaces without Drizzle never get one. */
  get log(): vscode.OutputChannel {
    if (!this.output) this.output = vscode.window.createOutputChannel("Drizzle LSP");
    return this.output;
  }

  async activate(): Promise<void> {
    if (!(await hasDrizzleProject())) {
      // Activated by a .ts or .sql file in a workspace without Drizzle: stay idle, but wake up if a config appears.
      const watcher = vscode.workspace.createFileSystemWatcher(DRIZZLE_FILES, false, true, true);
      watcher.onDidCreate(() => {
        watcher.dispose();
        void this.activate();
      });
      this.disposables.push(watcher);
      return;
    }
    if (this.active) return;
    this.active = true;
    await vscode.commands.executeCommand("setContext", "drizzleLsp.active", true);
    this.status = new Status("drizzleLsp.showOutput");
    this.status.show();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => this.onConfiguration(event)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.restart()),
    );
    const pythonChange = await onPythonInterpreterChange(() => {
      const settings = this.launchSettings();
      if (!settings.serverPath && !settings.interpreter) void this.restart();
    });
    if (pythonChange) this.disposables.push(pythonChange);
    await this.enqueue(() => this.start());
  }

  restart(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return this.enqueue(async () => {
      await this.stop();
      await this.start();
    });
  }

  /** Runs `drizzle-lsp ARGS` with the server the extension found (for rules/explain). */
  async runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; error?: string }> {
    const launch = await this.ensureLaunch();
    if (!launch) return { code: null, stdout: "", stderr: "", error: "no drizzle-lsp server was found" };
    return runProcess(launch.command, [...launch.prefix, ...args], { cwd: workspaceRoot() });
  }

  /** The launch to use for CLI commands, discovering one when the server is not running. */
  async ensureLaunch(): Promise<Launch | undefined> {
    if (this.launch) return this.launch;
    const found = await this.discover();
    return found.launch;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    // Settings changes arrive in bursts (a settings.json save can change several keys): one start at a time.
    this.queue = this.queue.then(work, work);
    return this.queue;
  }

  private launchSettings(): LaunchSettings {
    const problems: string[] = [];
    const config = vscode.workspace.getConfiguration(SECTION);
    const settings = readLaunchSettings((key) => config.get(key), problems);
    for (const problem of problems) this.log.appendLine(`[settings] ${problem}`);
    const context = { home: os.homedir(), workspaceFolder: workspaceRoot(), env: process.env };
    if (settings.serverPath) settings.serverPath = expandPath(settings.serverPath, context);
    if (settings.interpreter) settings.interpreter = expandPath(settings.interpreter, context);
    return settings;
  }

  private async discover() {
    const settings = this.launchSettings();
    const input: DiscoveryInput = {
      settings,
      bundle: readBundle(this.context.extensionPath),
      pythonExtensionInterpreter:
        settings.serverPath || settings.interpreter ? undefined : await pythonExtensionInterpreter(firstFolderUri()),
      platform: process.platform,
    };
    const cwd = workspaceRoot();
    const found = await discover(input, (command, args) => runProcess(command, args, { cwd }));
    return { ...found, input };
  }

  private async start(): Promise<void> {
    const settings = this.launchSettings();
    if (!settings.enable) {
      this.setState("disabled");
      this.log.appendLine("drizzleLsp.enable is false: the server is not started.");
      return;
    }
    this.setState("starting");
    this.log.appendLine("Looking for a drizzle-lsp server...");
    const found = await this.discover();
    for (const attempt of found.attempts) {
      this.log.appendLine(`  ${attempt.ok ? "using" : "tried"} ${attempt.what}${attempt.problem ? `: ${attempt.problem}` : ""}`);
    }
    if (!found.launch) {
      const failure = describeFailure(found, found.input);
      this.launch = undefined;
      this.setState("failed", undefined, "no server found");
      this.log.appendLine(failure.message);
      void this.notify(failure.message, failure.primary);
      return;
    }
    const launch = found.launch;
    this.launch = launch;
    this.log.appendLine(
      `Starting ${describeLaunch(launch)}: ${[launch.command, ...launch.prefix, "serve"].join(" ")}`,
    );
    const client = this.createClient(launch);
    this.client = client;
    this.stopping = false;
    client.onDidChangeState((event) => {
      if (this.client !== client) return;
      if (event.newState === State.Running) this.setState("running", launch);
      else if (event.newState === State.Starting) this.setState("starting", launch);
      else if (event.newState === State.Stopped && !this.stopping) this.setState("failed", launch, "the server stopped");
    });
    try {
      await client.start();
      this.setState("running", launch);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.setState("failed", launch, "the server did not start");
      this.log.appendLine(`The server did not start: ${message}`);
      void this.notify(
        `Drizzle LSP: ${describeLaunch(launch)} did not start (${message}). The output has the details.`,
        "installInstructions",
      );
    }
  }

  private createClient(launch: Launch): LanguageClient {
    const cwd = workspaceRoot();
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: [...launch.prefix, "serve"],
      options: cwd ? { cwd } : undefined,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // `client`: VS Code shows a diagnostic's message in the hover at its range, so the server's hover gives the
      // rule's explanation without repeating the message.
      initializationOptions: { [SECTION]: currentServerSettings(), client: { showsDiagnosticsInHover: true } },
      middleware: {
        // The server's "Show documentation" opens the rule's web page; the rule's page from this very server
        // (Explain Rule) matches the installed version and works offline.
        executeCommand: async (command, args, next) => {
          if (command === SHOW_DOCUMENTATION && typeof args[0] === "string") {
            return vscode.commands.executeCommand("drizzleLsp.explainRule", args[0]);
          }
          if (command === SHOW_SPLIT_PREVIEW) {
            // LSP cannot open an untitled document with content; the server returns the steps of the split it could
            // not apply (the migration is not the last one), and VS Code shows them in one for review.
            const result = await next(command, args);
            if (result && typeof result.text === "string") {
              const document = await vscode.workspace.openTextDocument({ language: "sql", content: result.text });
              await vscode.window.showTextDocument(document, { preview: true });
            }
            return result;
          }
          return next(command, args);
        },
        workspace: {
          // The server asks for the whole drizzleLsp section; it gets only the keys it understands.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            return result.map((value, index) =>
              params.items[index]?.section === SECTION ? filterSection(value) : value,
            );
          },
        },
      },
    };
    // The id makes vscode-languageclient read drizzleLsp.trace.server by itself.
    return new LanguageClient("drizzleLsp", "Drizzle LSP", serverOptions, clientOptions);
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping = true;
    try {
      await client.stop(5000);
    } catch (error) {
      this.log.appendLine(`Stopping the server: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.setState("stopped", this.launch);
  }

  private onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    const effect = changeEffect((section) => event.affectsConfiguration(section));
    if (effect === "restart") {
      this.log.appendLine("A setting that decides how the server runs changed: restarting it.");
      void this.restart();
    } else if (effect === "reconfigure" && this.client?.isRunning()) {
      void this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: currentServerSettings() },
      });
    }
  }

  private setState(state: ServerState, launch?: Launch, problem?: string): void {
    this.state = state;
    this.status?.set(state, launch, problem);
  }

  get serverState(): ServerState {
    return this.state;
  }

  private async notify(message: string, primary: "openSettings" | "installInstructions"): Promise<void> {
    const openSettings = "Open Settings";
    const instructions = "Install Instructions";
    const showOutput = "Show Output";
    const buttons = primary === "openSettings" ? [openSettings, showOutput] : [instructions, openSettings, showOutput];
    const choice = await vscode.window.showErrorMessage(message, ...buttons);
    if (choice === openSettings) {
      await vscode.commands.executeCommand("workbench.action.openSettings", `@ext:${this.context.extension.id}`);
    } else if (choice === instructions) {
      await vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
    } else if (choice === showOutput) {
      this.log.show(true);
    }
  }

  async dispose(): Promise<void> {
    for (const disposable of this.disposables) disposable.dispose();
    await this.stop();
    this.status?.dispose();
    this.output?.dispose();
  }
}

function currentServerSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return serverSettings((key) => config.get(key));
}

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function firstFolderUri(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

export async function hasDrizzleProject(): Promise<boolean> {
  if (!vscode.workspace.workspaceFolders?.length) return false;
  const found = await vscode.workspace.findFiles(DRIZZLE_FILES, "**/node_modules/**", 1);
  return found.length > 0;
}
