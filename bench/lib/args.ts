// Command line shared by the workbench benches: `--workbench oldest|newest` (default MT_WORKBENCH,
// else the oldest) anywhere, the bench's own positional figures around it.
import { isWorkbenchName, workbenchFromEnvironment, WORKBENCH_NAMES, type WorkbenchName } from '../../test/e2e/harness';

export interface BenchArgs {
  workbench: WorkbenchName;
  /** The arguments other than the flag, in order. */
  positional: string[];
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const positional: string[] = [];
  let workbench: WorkbenchName | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = arg.startsWith('--workbench=') ? arg.slice('--workbench='.length) : undefined;
    if (arg !== '--workbench' && inline === undefined) {
      positional.push(arg);
      continue;
    }
    const name = inline ?? argv[++i];
    if (!isWorkbenchName(name)) throw new Error(`--workbench ${String(name)}: expected one of ${WORKBENCH_NAMES.join(', ')}`);
    workbench = name;
  }
  return { workbench: workbench ?? workbenchFromEnvironment(), positional };
}

export const benchArgs: BenchArgs = parseBenchArgs(process.argv.slice(2));

/** The bench's nth positional argument as a number, or `fallback`. */
export const numberArg = (index: number, fallback: number): number => Number(benchArgs.positional[index] ?? fallback);
