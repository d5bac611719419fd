/**
 * A stand-in for an AI coding agent, run in a real PTY by the tests:
 * `node out/test/support/fakeAgentMain.js [--lines N] [--record FILE]`.
 *
 * It prints N lines of work (colours, wide characters), rings the bell, asks for a desktop
 * notification (OSC 9), prompts and waits for one line of input, answers, then exits with
 * code 3. With --record, every byte it writes to the terminal is also appended to FILE, so a
 * test can compare a transcript with what the agent really printed. Line ends are written as
 * "\n" only: the terminal's ONLCR turns each into "\r\n" on the way out.
 */
import * as fs from 'node:fs';
import { FAKE_AGENT_EXIT_CODE, FAKE_AGENT_NOTIFICATION, FAKE_AGENT_PROMPT } from './fakeAgent';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

const lineCount = Number(option('--lines') ?? '20');
const recordPath = option('--record');

function print(text: string): void {
  process.stdout.write(text);
  if (recordPath) {
    fs.appendFileSync(recordPath, text);
  }
}

function readLine(): Promise<string> {
  // Raw mode turns the terminal's echo off, so the screen and the transcript hold only
  // what this agent printed.
  process.stdin.setRawMode?.(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    let line = '';
    const onData = (chunk: Buffer) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') {
          process.stdin.off('data', onData);
          process.stdin.setRawMode?.(false);
          process.stdin.pause();
          resolve(line);
          return;
        }
        line += character;
      }
    };
    process.stdin.on('data', onData);
  });
}

async function main(): Promise<void> {
  print('fake agent: starting task\n');
  for (let index = 1; index <= lineCount; index++) {
    print(`\x1b[32mstep ${index}\x1b[0m of ${lineCount}: 編集 ✓ file-${index}.ts\n`);
  }
  print('\x07');
  print(`\x1b]9;${FAKE_AGENT_NOTIFICATION}\x07`);
  print(FAKE_AGENT_PROMPT);
  const answer = await readLine();
  print(`\nanswer: ${answer}\n`);
  print('fake agent: done\n');
  process.exitCode = FAKE_AGENT_EXIT_CODE;
}

void main();
