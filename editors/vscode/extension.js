// The archlang extension: the language (highlighting comes from syntaxes/, brackets and
// comments from language-configuration.json, both declared in package.json) and a
// client for the archlang language server, started as `archc lsp` over stdio.
//
// Settings: archlang.server.path (default "archc") and archlang.server.args (passed
// after "lsp"). Changing either restarts the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/**
 * The command line of the server from the settings: [path, "lsp", ...args].
 * @returns {{ command: string, args: string[] }}
 */
function serverCommand() {
  const config = vscode.workspace.getConfiguration('archlang');
  const command = config.get('server.path', 'archc') || 'archc';
  const extra = config.get('server.args', []);
  // A setting edited by hand can hold anything: keep only strings, so spawn gets an argv.
  const args = Array.isArray(extra) ? extra.filter((arg) => typeof arg === 'string') : [];
  return { command, args: ['lsp', ...args] };
}

/** Start a client for the server the settings name; tell the user if it cannot start. */
async function startClient() {
  const { command, args } = serverCommand();
  // An Executable without a transport talks over the process's stdin and stdout.
  const serverOptions = { command, args };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'archlang' },
      { scheme: 'untitled', language: 'archlang' },
    ],
    synchronize: {
      // A spec imports others ("blocks.arch"): the server hears when any of them changes.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.arch'),
    },
  };
  client = new LanguageClient('archlang', 'archlang language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `archlang: could not start the language server "${[command, ...args].join(' ')}": ${message}. ` +
        "Install archlang with its language server (pip install 'archlang[lsp]') or set archlang.server.path to its archc.",
      'Open Settings',
    );
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'archlang.server');
    }
  }
}

/** Stop the running client, if any. */
async function stopClient() {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

/** Stop and start again: after a settings change, or on the "Restart" command. */
async function restartClient() {
  await stopClient();
  await startClient();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('archlang.restartServer', restartClient),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('archlang.server')) {
        restartClient();
      }
    }),
  );
  await startClient();
}

/** VS Code calls this on shutdown: stop the server with the window. */
function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
