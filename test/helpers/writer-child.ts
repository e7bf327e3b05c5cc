// Builds test/helpers/write-child.ts into one plain JavaScript file (esbuild, once per test file) and
// runs it with test/helpers/fs-fault.cjs preloaded: a writer process costs a Node start-up only.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

export const FS_FAULT = resolve('test/helpers/fs-fault.cjs');

let built: string | undefined;
function childScript(): string {
  if (built === undefined) {
    built = join(mkdtempSync(join(tmpdir(), 'ehc-write-child-')), 'write-child.cjs');
    buildSync({ entryPoints: [resolve('test/helpers/write-child.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: built, logLevel: 'error' });
  }
  return built;
}

export interface ChildRun {
  readonly root: string;
  readonly label: string;
  readonly swap: 'rename' | 'symlink';
  readonly sites?: readonly string[];
  /** FS_FAULT and friends (see fs-fault.cjs); FS_FAULT_ROOT is the root. */
  readonly env?: Record<string, string>;
}

export function runChild(run: ChildRun): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-r', FS_FAULT, childScript(), run.root, run.label, run.swap, (run.sites ?? ['a', 'b']).join(',')], {
    encoding: 'utf8',
    env: { ...process.env, FS_FAULT_ROOT: run.root, ...run.env },
  });
}

/** {@link runChild} without blocking, so independent trials run side by side. */
export function runChildAsync(run: ChildRun): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['-r', FS_FAULT, childScript(), run.root, run.label, run.swap, (run.sites ?? ['a', 'b']).join(',')], {
      env: { ...process.env, FS_FAULT_ROOT: run.root, ...run.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status, signal) => done({ status, signal, stderr }));
  });
}

/**
 * A writer child in --serve mode (write-child.ts): the writes of {@link runChildAsync}, one at a time, in
 * one long-lived process, with the same exit code and stderr each one-shot child would give; `env` is
 * fixed for the process (FS_FAULT_ROOT follows each write). close() ends it.
 */
export function writerServer(env: Record<string, string> = {}): {
  write(run: Omit<ChildRun, 'env'>): Promise<{ status: number | null; stderr: string }>;
  close(): void;
} {
  const child = spawn(process.execPath, ['-r', FS_FAULT, childScript(), '--serve'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: ((result: { status: number | null; stderr: string }) => void)[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    buffered += d;
    for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      waiting.shift()?.(JSON.parse(line));
    }
  });
  // a child that dies answers every write still waiting with its exit code and whatever it printed
  child.on('close', (status) => {
    for (const done of waiting.splice(0)) done({ status, stderr });
  });
  return {
    write: (run) =>
      new Promise((done) => {
        waiting.push(done);
        child.stdin.write(`${JSON.stringify({ root: run.root, label: run.label, swap: run.swap, sites: (run.sites ?? ['a', 'b']).join(',') })}\n`);
      }),
    close: () => child.stdin.end(),
  };
}
