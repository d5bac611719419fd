// Shared output for the bench scripts: a plain-text table on stdout and a JSON file under
// bench/results/, so figures can be pasted into issue notes and compared between runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, type WorkbenchInstall } from '../../test/e2e/harness';

export type Cell = string | number;

/** Prints rows under a header, columns padded to their widest cell. */
export function printTable(title: string, header: string[], rows: Cell[][]): void {
  const text = [header, ...rows].map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = header.map((_, i) => Math.max(...text.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(text[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of text.slice(1)) console.log(line(row));
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100 || Number.isInteger(n)) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/**
 * Writes bench/results/<name>.json with the machine and commit the figures belong to. Figures
 * taken on the newest workbench go to <name>-newest.json, so both workbenches' figures are kept.
 */
export function saveResults(name: string, results: unknown, workbench?: WorkbenchInstall): string {
  const dir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, workbench?.name === 'newest' ? `${name}-newest.json` : `${name}.json`);
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const record = {
    bench: name,
    date: new Date().toISOString(),
    commit,
    ...(workbench && { workbench: { name: workbench.name, codeServer: workbench.version, node: workbench.node === process.execPath ? process.version : path.relative(repoRoot, workbench.node) } }),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version },
    results,
  };
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  console.log(`\nsaved ${path.relative(process.cwd(), file) || file}`);
  return file;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with few samples an interpolated p95 would be a value nobody measured.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values: number[]) => percentile(values, 50);

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
