import { runCli } from '../../lib/cli/cli';
import type { Registry } from '../../lib/pipeline/pipeline';

/** What a CLI run printed, line by line, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

/** `runCli` in this process (so the mutation run sees the CLI's own code) with its output captured. */
export async function captureCli(args: readonly string[], registry: Registry): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, registry, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
