// The status bar item: one glance says whether drizzle-lsp is running, and which server; a click opens the output.

import * as vscode from "vscode";
import type { Launch, Source } from "./discovery";

export type ServerState = "starting" | "running" | "stopped" | "failed" | "disabled";

const ICONS: Record<ServerState, string> = {
  starting: "$(loading~spin)",
  running: "$(database)",
  stopped: "$(debug-stop)",
  failed: "$(warning)",
  disabled: "$(circle-slash)",
};

const SOURCES: Record<Source, string> = {
  serverPath: "drizzleLsp.serverPath",
  interpreter: "drizzleLsp.interpreter",
  bundled: "bundled",
  pythonExtension: "Python extension's interpreter",
  path: "drizzle-lsp on PATH",
};

export function describeLaunch(launch: Launch): string {
  const python = launch.pythonVersion ? `, Python ${launch.pythonVersion}` : "";
  return `drizzle-lsp ${launch.serverVersion} (${SOURCES[launch.source]}${python})`;
}

export class Status implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem("drizzleLsp.status", vscode.StatusBarAlignment.Left, 0);
    this.item.name = "Drizzle LSP";
    this.item.command = command;
  }

  show(): void {
    this.item.show();
  }

  set(state: ServerState, launch?: Launch, problem?: string): void {
    const what = launch ? describeLaunch(launch) : "drizzle-lsp";
    const words: Record<ServerState, string> = {
      starting: "starting",
      running: "running",
      stopped: "stopped",
      failed: problem ? `not running: ${problem}` : "not running",
      disabled: "disabled by drizzleLsp.enable",
    };
    this.item.text = `${ICONS[state]} drizzle-lsp`;
    const tooltip = new vscode.MarkdownString(`**${what}**: ${words[state]}\n\nClick to show the output.`);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `${what}: ${words[state]}`, role: "button" };
    this.item.backgroundColor =
      state === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
