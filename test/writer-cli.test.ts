// The writer through the real CLI (node scripts/run-bundle.cjs synth): file-system errors exit 3 with one
// line naming the path and no stack trace, and leave the output root as it was; `--site a --site b` is
// all or nothing. (Concurrent runs: test/writer-concurrency.test.ts.)
// Faults are injected at the system-call boundary (test/helpers/fs-fault.cjs, preloaded), or real:
// a file in the path, a read-only folder, a symlink loop, a name too long, /proc.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree } from './helpers/tree';
import { FS_FAULT } from './helpers/writer-child';

const RUN_BUNDLE = resolve('scripts/run-bundle.cjs');
const EXAMPLE = resolve('sites/example.yaml');
const OPERATOR = resolve('sites/example-operator.yaml');

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
}

function synthArgs(args: readonly string[]): string[] {
  return ['-r', FS_FAULT, RUN_BUNDLE, 'synth', ...args];
}

function synth(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; uid?: number } = {}): Run {
  const run = spawnSync(process.execPath, synthArgs(args), {
    encoding: 'utf8',
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    timeout: 60_000,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

/** stderr without the site's warnings: what the run said about the failure. */
const errors = (run: Run) => run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));

/** Exit 3, one line `<path>: <reason> (<CODE>)…`, no stack trace. */
function expectOutputError(run: Run, line: RegExp): void {
  expect(run.stderr, run.stderr).not.toMatch(/^\s+at /m);
  expect(errors(run), run.stderr).toHaveLength(1);
  expect(errors(run)[0]).toMatch(line);
  expect(run.status, run.stderr).toBe(3);
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ehc-writer-cli-'));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let populated: string; // an output root with the example written (Kubernetes 1.33)
beforeAll(() => {
  populated = tmp();
  // also makes sure the bundle is built before processes run it side by side
  const run = synth(['--site', EXAMPLE, '--out', populated, '--kubernetes-version', '1.33']);
  expect(run.status, run.stderr).toBe(0);
});

describe('synth: --out', () => {
  it('--out "" is bad input (exit 2) in the <flag>: form, and writes nothing into the current folder', () => {
    const cwd = tmp();
    const run = synth(['--site', EXAMPLE, '--out', ''], { cwd });
    expect(run.status, run.stderr).toBe(2);
    expect(errors(run)).toEqual(['--out: "": must name a folder (empty, it would write into the current folder)']);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('synth: I/O errors exit 3 with one line naming the path', () => {
  it('ENOTDIR: a file inside --out', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    const out = join(dir, 'file', 'out');
    expectOutputError(synth(['--site', EXAMPLE, '--out', out]), new RegExp(`^${esc(out)}: a part of the path is not a directory \\(ENOTDIR\\); nothing in ${esc(out)} was changed$`));
  });

  it('EACCES: a read-only folder (as another user when run as root, who may write anywhere)', () => {
    const dir = tmp();
    const readOnly = join(dir, 'ro');
    mkdirSync(readOnly);
    const root = process.getuid?.() === 0;
    chmodSync(dir, 0o755);
    if (!root) chmodSync(readOnly, 0o555);
    const out = join(readOnly, 'out');
    const run = synth(['--site', EXAMPLE, '--out', out], { cwd: dir, ...(root ? { uid: 65534 } : {}) });
    expectOutputError(run, new RegExp(`^${esc(out)}: permission denied \\(EACCES\\); nothing in ${esc(out)} was changed$`));
    expect(readdirSync(readOnly)).toEqual([]);
  });

  it('ELOOP: a symlink loop in --out', () => {
    const dir = tmp();
    symlinkSync('loop', join(dir, 'loop'));
    const out = join(dir, 'loop', 'out');
    expectOutputError(synth(['--site', EXAMPLE, '--out', out]), new RegExp(`^${esc(out)}: too many levels of symbolic links \\(ELOOP\\)`));
  });

  it('ENAMETOOLONG: a folder name over 255 bytes', () => {
    const out = join(tmp(), 'x'.repeat(300));
    expectOutputError(synth(['--site', EXAMPLE, '--out', out]), new RegExp(`^${esc(out)}: file name too long \\(ENAMETOOLONG\\)`));
  });

  it.runIf(existsSync('/proc/self'))('a folder that cannot be created under /proc fails at once (Node recursive mkdir spins forever there)', () => {
    const started = Date.now();
    expectOutputError(synth(['--site', EXAMPLE, '--out', '/proc/ehc-no-such/out']), /^\/proc\/ehc-no-such\/out: no such file or directory \(ENOENT\)/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.each(['ENOSPC', 'EROFS', 'EPERM', 'EACCES', 'EIO'])('%s while writing the 5th file: the output root is byte for byte as it was', (code) => {
    const before = snapshotTree(populated);
    const run = synth(['--site', EXAMPLE, '--out', populated, '--kubernetes-version', '1.34'], { env: { FS_FAULT_ROOT: populated, FS_FAULT: `${code}@5`, FS_FAULT_MATCH: '^writeFileSync ' } });
    expectOutputError(run, new RegExp(`^${esc(populated)}/\\S+\\.(yaml|json|md): .* \\(${code}\\); nothing in ${esc(populated)} was changed$`));
    expect(snapshotTree(populated)).toEqual(before);
    expect(readdirSync(populated)).toEqual(['example']);
  });
});

describe('synth --site a --site b: all or nothing', () => {
  it('a failure while swapping in b (after a is in place) leaves both as they were', () => {
    const out = tmp();
    const sites = ['--site', EXAMPLE, '--site', OPERATOR, '--out', out];
    expect(synth([...sites, '--kubernetes-version', '1.33']).status).toBe(0);
    const before = snapshotTree(out);
    const run = synth([...sites, '--kubernetes-version', '1.34'], {
      env: { FS_FAULT_ROOT: out, FS_FAULT: 'EIO@1', FS_FAULT_MATCH: `^renameSync ${esc(out)}/example-operator ` },
    });
    expectOutputError(run, new RegExp(`^${esc(out)}/example-operator: input/output error \\(EIO\\); nothing in ${esc(out)} was changed$`));
    expect(snapshotTree(out)).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(['example', 'example-operator']);
  });
});
