// `npm run synth` (and every other command) runs the precompiled bundle through scripts/run-bundle.cjs:
// it must behave exactly like main.ts run from source (same stdout, stderr, exit code and files), and
// never run a stale bundle or a stale V8 code cache.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { runCli } from '../lib/cli/cli';
import { snapshotTree } from './helpers/tree';

const RUN_BUNDLE = resolve('scripts/run-bundle.cjs');
const BUNDLE_DIR = resolve('build/bundle');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> =>
  new Promise((done) => {
    execFile(process.execPath, args, { encoding: 'utf8', env }, (err, stdout, stderr) => done({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
const fast = (args: string[]) => run([RUN_BUNDLE, ...args]);
/** main.ts from source as its own process (tsx): what the bundle replaces, wrapper and all. */
const source = (args: string[]) => run(['--import', 'tsx', 'main.ts', ...args]);
/**
 * The same sources run in this process, through the function main.ts calls, with its output as
 * console.log and console.error would print it (each line ended by a newline). A tsx process costs
 * about a second of CPU; one comparison (the synth below) keeps the whole main.ts as a process.
 */
const inProcess = async (args: string[]): Promise<Run> => {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { charts: CHARTS, artifacts: ARTIFACTS }, { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  return { status, stdout, stderr };
};
/** Both paths at once (they wait on their own start-up, so together they take the time of the slower). */
const both = (fastArgs: string[], sourceArgs = fastArgs) => Promise.all([fast(fastArgs), inProcess(sourceArgs)]);
/** synth prints how long a site took: the only part of the output that may differ between runs. */
const comparable = (r: Run) => ({ status: r.status, stdout: r.stdout.replace(/, \d+ ms ->/g, ', N ms ->'), stderr: r.stderr });
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe('the fast path (scripts/run-bundle.cjs) behaves like main.ts from source', () => {
  beforeAll(async () => {
    // builds the bundle when it is stale, so the comparisons below are not disturbed by a build note
    expect((await fast(['--version'])).status).toBe(0);
  });

  it('synth of a good site: same output, exit 0, byte-identical files', async () => {
    const [outFast, outSource] = [tempDir('ehc-fast-'), tempDir('ehc-source-')];
    const [a, b] = await Promise.all([fast(['synth', '--out', outFast]), source(['synth', '--out', outSource])]);
    expect(a.status, a.stderr).toBe(0);
    expect(comparable(a)).toEqual({ ...comparable(b), stdout: comparable(b).stdout.replace(outSource, outFast) });
    expect(snapshotTree(outFast)).toEqual(snapshotTree(outSource));
    expect(snapshotTree(join(outFast, 'example'))).toEqual(snapshotTree('dist/example'));
  });

  it('a bad site: same message, exit 2, nothing written', async () => {
    const [outFast, outSource] = [tempDir('ehc-fast-'), tempDir('ehc-source-')];
    const args = (out: string) => ['synth', '--site', 'sites/example.yaml', '--site', 'test/fixtures/bad-sites/version-unsupported.yaml', '--out', out];
    const [a, b] = await both(args(outFast), args(outSource));
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('kubernetesVersion: unsupported Kubernetes version');
    expect(a.stderr).not.toMatch(/\n\s+at /);
    expect(comparable(a)).toEqual(comparable(b));
    expect(readdirSync(outFast)).toEqual([]);
  });

  it('validate with config findings for another minor: same lines, exit 2', async () => {
    const [a, b] = await both(['validate', '--all', '--kubernetes-version', '1.32']);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('nodePools[1].gpu.mode: dra needs Kubernetes 1.33 or later');
    expect(comparable(a)).toEqual(comparable(b));
  });

  it('diff against edited output: same report, exit 1', async () => {
    const root = tempDir('ehc-fast-diff-');
    cpSync('dist/example', join(root, 'example'), { recursive: true });
    const file = join(root, 'example', '61-web-api.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/replicas: 2/, 'replicas: 5'));
    const [a, b] = await both(['diff', '--against', root]);
    expect(a.status).toBe(1);
    expect(a.stdout).toContain('spec.replicas: 5 → 2');
    expect(comparable(a)).toEqual(comparable(b));
  });

  it('an unknown command: same message, exit 2', async () => {
    const [a, b] = await both(['plot']);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('plot: (command): unknown command');
    expect(comparable(a)).toEqual(comparable(b));
  });

  it('a damaged V8 code cache is rejected and rewritten, and the output stays the same', async () => {
    // a synth makes (or completes) the complete cache of the current build
    expect((await fast(['synth', '--out', tempDir('ehc-fast-cache-')])).status).toBe(0);
    const good = await fast(['cost']);
    expect(good.status).toBe(0);
    // the complete cache of the current build (named by the build's start, the
    // Node version and the architecture; a partial one, or one of a build raced by a parallel run, may
    // sit beside it unused)
    const { startedMs } = JSON.parse(readFileSync(join(BUNDLE_DIR, 'inputs.json'), 'utf8')) as { startedMs: number };
    const cache = `main.js.${startedMs}-${process.version}-${process.arch}.cache`;
    expect(readdirSync(BUNDLE_DIR)).toContain(cache);
    writeFileSync(join(BUNDLE_DIR, cache), 'not a code cache');
    expect(comparable(await fast(['cost']))).toEqual(comparable(good));
    expect(readFileSync(join(BUNDLE_DIR, cache), 'utf8')).not.toBe('not a code cache');
  });

  it('rebuilds the bundle when one of its sources changed, before running it', async () => {
    // In a copy of the project with the current bundle (times kept, so the copy is fresh there), with
    // node_modules and imports/ linked: touching a source here would make every other test's bundle
    // run rebuild too, and say so on its stderr.
    const project = tempDir('ehc-rebuild-');
    for (const name of ['main.ts', 'charts', 'lib', 'scripts', 'tsconfig.json', 'package.json', 'package-lock.json', 'build/bundle/main.js', 'build/bundle/inputs.json']) {
      cpSync(name, join(project, name), { recursive: true, preserveTimestamps: true });
    }
    for (const name of ['node_modules', 'imports']) symlinkSync(resolve(name), join(project, name));
    const inCopy = (args: string[]) => run([join(project, 'scripts/run-bundle.cjs'), ...args]);
    // fresh in the copy (a first run there may build once, e.g. where node_modules is itself a link, as
    // in the mutation run's sandbox, and esbuild names the dependencies by their real paths)
    await inCopy(['--version']);
    expect(await inCopy(['--version'])).toEqual(await fast(['--version']));
    const now = new Date();
    utimesSync(join(project, 'lib/core/labels.ts'), now, now);
    const a = await inCopy(['--version']);
    expect(a.stderr).toBe('building build/bundle/main.js (lib/core/labels.ts changed)\n');
    expect(a.status).toBe(0);
    expect(readFileSync(join(project, 'build/bundle/inputs.json'), 'utf8')).not.toBe(readFileSync('build/bundle/inputs.json', 'utf8'));
    expect((await inCopy(['--version'])).stderr).toBe('');
  });
});

/** The Node options of every command line that runs the CLI (scripts/run-bundle.cjs says why). */
const NODE_OPTIONS = '--max-semi-space-size=32 --min-semi-space-size=32';

describe('every way to run the CLI takes the fast path', () => {
  it('every npm script that runs the CLI runs it through scripts/run-bundle.cjs, with the same Node options', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const cli = Object.entries(scripts).filter(([, command]) => command.includes('main.ts') || command.includes('run-bundle.cjs'));
    expect(cli.map(([name]) => name)).toEqual(expect.arrayContaining(['synth', 'validate', 'diff', 'cost']));
    for (const [name, command] of cli) expect(`${name}: ${command}`).toBe(`${name}: node ${NODE_OPTIONS} scripts/run-bundle.cjs ${name}`);
  });

  it('cdk8s.yaml runs the CLI through scripts/run-bundle.cjs, with the same Node options', () => {
    expect((parse(readFileSync('cdk8s.yaml', 'utf8')) as { app: string }).app).toBe(`node ${NODE_OPTIONS} scripts/run-bundle.cjs`);
  });
});

describe('start-up: a run loads only what it uses', () => {
  /** The built-in modules Node loaded in a bundle run (process.moduleLoadList, written at exit). */
  const builtinsLoaded = async (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ run: Run; modules: string[] }> => {
    const dir = tempDir('ehc-modules-');
    const hook = join(dir, 'hook.cjs');
    const list = join(dir, 'modules.txt');
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const result = await run([...NODE_OPTIONS.split(' '), '--require', hook, RUN_BUNDLE, ...args], env);
    const modules = readFileSync(list, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('NativeModule '))
      .map((line) => line.slice('NativeModule '.length));
    return { run: result, modules };
  };

  it('a synth loads neither child_process (required at the top of commander, cdk8s and our kubectl code) nor perf_hooks', async () => {
    const { run: synth, modules } = await builtinsLoaded(['synth', '--out', tempDir('ehc-modules-out-')]);
    expect(synth.status, synth.stderr).toBe(0);
    // loaded, so the list is the real one: the writer hashes with crypto
    expect(modules).toContain('crypto');
    expect(modules.filter((m) => ['child_process', 'internal/child_process', 'dgram', 'perf_hooks'].includes(m))).toEqual([]);
  });

  it('printing to a pipe builds no stdout or stderr stream, so net and tty stay unloaded (lib/cli/process-io.ts)', async () => {
    // stdout and stderr are pipes here, and the example prints to both (a line and a warning)
    const { run: synth, modules } = await builtinsLoaded(['synth', '--out', tempDir('ehc-modules-out-')]);
    expect(synth.stdout).toMatch(/^example: \d+ objects/);
    expect(synth.stderr).toContain('warning: sites/example.yaml');
    expect(modules.filter((m) => ['net', 'tty', 'internal/stream_base_commons'].includes(m))).toEqual([]);
  });

  it('a reader that closes the pipe early ends the run quietly with its exit code (`npm run cost | head`)', async () => {
    const child = spawn(process.execPath, [...NODE_OPTIONS.split(' '), RUN_BUNDLE, 'cost'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('the stand-in for child_process runs kubectl when a command asks a cluster (validate --cluster)', async () => {
    const dir = tempDir('ehc-kubectl-');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, '');
    // a kubectl that serves one of the two CRDs the example needs (name and served versions, as asked)
    const kubectl = join(dir, 'kubectl');
    writeFileSync(kubectl, '#!/bin/sh\necho "externalsecrets.external-secrets.io   v1"\n', { mode: 0o755 });
    const env = { ...process.env, KUBECTL: kubectl };
    const { run: validate, modules } = await builtinsLoaded(['validate', '--cluster', kubeconfig], env);
    expect(validate.stdout).toContain('example: cluster: CRD clustersecretstores.external-secrets.io not installed');
    expect(validate.stdout).not.toContain('CRD externalsecrets.external-secrets.io not installed');
    expect(validate.status).toBe(1);
    expect(validate.stdout).toContain('example: cluster ' + kubeconfig + ': 1 of 2 prerequisite CRD(s) served');
    expect(modules).toContain('child_process');
  });
});
