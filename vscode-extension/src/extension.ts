// Entry point. Activation events (package.json) wake the extension for any .ts or .sql file, so the first thing
// it does is check for a Drizzle project; without one it registers its commands and does nothing else.

import type * as vscode from "vscode";
import { registerCommands } from "./commands";
import { Controller } from "./controller";

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  controller = new Controller(context);
  registerCommands(context, controller);
  await controller.activate();
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
