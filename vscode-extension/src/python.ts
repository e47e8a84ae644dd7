// The Python extension's interpreter, when that extension is installed. Its API is used through the shape it has
// documented since 2023 (environments.getActiveEnvironmentPath / resolveEnvironment), with the older
// settings.getExecutionDetails as a fallback; the npm package that types it is not needed for two calls.

import * as vscode from "vscode";

const PYTHON_EXTENSION = "ms-python.python";

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] };
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

async function api(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!extension) return undefined;
  try {
    return extension.isActive ? extension.exports : await extension.activate();
  } catch {
    return undefined;
  }
}

export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const python = await api();
  if (!python) return undefined;
  try {
    const environments = python.environments;
    if (environments) {
      const active = environments.getActiveEnvironmentPath(resource);
      if (active) {
        const resolved = await environments.resolveEnvironment(active);
        const executable = resolved?.executable?.uri?.fsPath;
        if (executable) return executable;
      }
    }
    const command = python.settings?.getExecutionDetails?.(resource)?.execCommand;
    // A multi-word command (`conda run -n env python`) cannot be probed like an interpreter path; skip it.
    if (command && command.length === 1) return command[0];
  } catch {
    // A broken or still-loading Python extension must not stop drizzle-lsp from trying the other places.
  }
  return undefined;
}

export async function onPythonInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const python = await api();
  const event = python?.environments?.onDidChangeActiveEnvironmentPath ?? python?.settings?.onDidChangeExecutionDetails;
  return event ? event(() => listener()) : undefined;
}
