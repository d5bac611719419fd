// Command line shared by the workbench benches: `--workbench oldest|newest` (default MT_WORKBENCH,
// else the oldest) anywhere, a bench's own switches (`--profile`) and positional figures around it.
import { isWorkbenchName, workbenchFromEnvironment, WORKBENCH_NAMES, type WorkbenchName } from '../../test/e2e/harness';

export interface BenchArgs {
  workbench: WorkbenchName;
  /** The arguments other than flags, in order. */
  positional: string[];
  /** Other `--name` switches given, without the dashes. */
  switches: Set<string>;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const positional: string[] = [];
  const switches = new Set<string>();
  let workbench: WorkbenchName | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = arg.startsWith('--workbench=') ? arg.slice('--workbench='.length) : undefined;
    if (arg !== '--workbench' && inline === undefined) {
      if (arg.startsWith('--')) switches.add(arg.slice(2));
      else positional.push(arg);
      continue;
    }
    const name = inline ?? argv[++i];
    if (!isWorkbenchName(name)) throw new Error(`--workbench ${String(name)}: expected one of ${WORKBENCH_NAMES.join(', ')}`);
    workbench = name;
  }
  return { workbench: workbench ?? workbenchFromEnvironment(), positional, switches };
}

export const benchArgs: BenchArgs = parseBenchArgs(process.argv.slice(2));

/** The bench's nth positional argument as a number, or `fallback`. */
export const numberArg = (index: number, fallback: number): number => Number(benchArgs.positional[index] ?? fallback);
