// Layers that run outside VS Code (the session core, the session host) map the module
// 'vscode' here: this file is not a module, so `import ... from 'vscode'` fails to compile.
declare const vscodeIsNotAvailableInThisLayer: never;
