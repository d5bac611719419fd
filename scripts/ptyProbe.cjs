// Drives one shell through the node-pty given as argv[2] and prints what happened as JSON:
// the smoke test for a platform build runs it under that platform's Node (see smoke-arm64.mjs).
'use strict';
const pty = require(process.argv[2]);

const report = { arch: process.arch, steps: [] };
const shell = pty.spawn('/bin/sh', [], { name: 'xterm-256color', cols: 80, rows: 24, env: { PATH: process.env.PATH, PS1: '$ ' } });
let screen = '';
// Each step waits for its marker in the output, then sends the next command.
const steps = [
  { waitFor: 'echoed-42', then: () => shell.resize(100, 30), send: 'stty size\n' },
  { waitFor: '30 100', send: 'exit 3\n' },
];
shell.onData((data) => {
  screen += data;
  const step = steps[0];
  if (step && screen.includes(step.waitFor)) {
    steps.shift();
    report.steps.push(step.waitFor);
    step.then?.();
    shell.write(step.send);
  }
});
shell.onExit(({ exitCode }) => {
  report.exitCode = exitCode;
  report.screen = screen;
  process.stdout.write(`${JSON.stringify(report)}\n`);
});
shell.write('echo echoed-$((40+2))\n');
