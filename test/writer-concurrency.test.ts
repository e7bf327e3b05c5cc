// Two writers into one output root at once (two `npm run synth` in two terminals, two CI jobs on one
// checkout): every site must be one run's whole output, a run refused by the lock says who holds it
// (exit 3, one line, no stack trace), and nothing is left over. Every file-system call below the root
// sleeps (test/helpers/fs-fault.cjs, sleep@N) so that the writes of a pair overlap.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotTree } from './helpers/tree';
import { FS_FAULT, writerServer } from './helpers/writer-child';
import { treeSnapshot } from './helpers/write-trees';

const tmp = () => mkdtempSync(join(tmpdir(), 'ehc-writer-pairs-'));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const busyLine = (out: string) => new RegExp(`^${esc(out)}: another synth is writing ${esc(out)} \\(pid \\d+\\); if none is running, delete ${esc(out)}/.synth.lock$`);

interface Run {
  readonly status: number | null;
  readonly stderr: string;
}

/** Runs pairs `parallel` at a time; returns how many of each outcome (exit codes of the pair). */
async function pairs(count: number, parallel: number, pair: (i: number) => Promise<string>): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < count; i += parallel) {
    const keys = await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, (_, j) => pair(i + j)));
    for (const k of keys) outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  return outcomes;
}

/** Each run of a pair: exit 0, or exit 3 refused by the lock in one line; never a stack trace. */
function checkRuns(runs: readonly Run[], out: string): string {
  for (const run of runs) {
    expect(run.stderr, run.stderr).not.toMatch(/^\s+at /m);
    if (run.status === 3) {
      const lines = run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
      expect(lines).toHaveLength(1);
      expect(lines[0].replace(/^OutputWriteError: /, '')).toMatch(busyLine(out));
    } else expect(run.status, run.stderr).toBe(0);
  }
  expect(runs.some((r) => r.status === 0)).toBe(true);
  return runs.map((r) => r.status).join('/');
}

// trials sized for a 2-core CI machine (a writer child costs a Node start-up, a synth about 0.4 s of CPU)
const WRITER_PAIRS = 25;
const SYNTH_PAIRS = 4;

describe('two writers into one output root at once', () => {
  it.each(['rename', 'symlink'] as const)(`${WRITER_PAIRS} pairs of writer processes (two sites each, --swap %s)`, async (swap) => {
    // the two writes of a pair run in two processes (x and y); each process serves one side of a pair
    // after another (test/helpers/write-child.ts --serve), so 50 writes cost 8 Node start-ups, not 50
    const PARALLEL = 4;
    const servers = Array.from({ length: PARALLEL }, () => ({ x: writerServer({ FS_FAULT: 'sleep@1' }), y: writerServer({ FS_FAULT: 'sleep@1' }) }));
    const outcomes = await pairs(WRITER_PAIRS, PARALLEL, async (i) => {
      const out = tmp();
      const runs = await Promise.all((['x', 'y'] as const).map((label) => servers[i % PARALLEL][label].write({ root: out, label, swap })));
      const key = checkRuns(runs, out);
      const states = ['a', 'b'].map((site) => ['x', 'y'].find((label) => JSON.stringify(snapshotTree(join(out, site))) === JSON.stringify(treeSnapshot(site, label))));
      // both sites from the same run: the two runs were serialized, not interleaved
      expect(states[0]).toBeDefined();
      expect(states[1]).toBe(states[0]);
      expect(readdirSync(out).filter((n) => !/^\.[ab]\.v[12]$/.test(n)).sort()).toEqual(['a', 'b']);
      return key;
    }).finally(() => servers.forEach((s) => (s.x.close(), s.y.close())));
    console.log(`--swap ${swap}: ${WRITER_PAIRS} pairs of writers, exit codes x/y:`, outcomes);
  });

  it(`${SYNTH_PAIRS} pairs of real synth processes (Kubernetes 1.33 and 1.34 renders of one site)`, async () => {
    const synth = (args: readonly string[], env: Record<string, string> = {}) =>
      new Promise<Run>((done) => {
        const child = spawn(process.execPath, ['-r', FS_FAULT, resolve('scripts/run-bundle.cjs'), 'synth', '--site', resolve('sites/example.yaml'), ...args], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => done({ status, stderr }));
      });
    // one after the other first: the two expected trees (and a built bundle before processes race)
    const expected: string[] = [];
    for (const v of ['1.33', '1.34']) {
      const out = tmp();
      expect((await synth(['--out', out, '--kubernetes-version', v])).status).toBe(0);
      expected.push(JSON.stringify(snapshotTree(join(out, 'example'))));
    }
    expect(expected[0]).not.toBe(expected[1]);
    const outcomes = await pairs(SYNTH_PAIRS, 2, async () => {
      const out = tmp();
      const runs = await Promise.all(['1.33', '1.34'].map((v) => synth(['--out', out, '--kubernetes-version', v], { FS_FAULT_ROOT: out, FS_FAULT: 'sleep@3' })));
      const key = checkRuns(runs, out);
      expect(expected).toContain(JSON.stringify(snapshotTree(join(out, 'example'))));
      expect(readdirSync(out)).toEqual(['example']);
      return key;
    });
    console.log(`${SYNTH_PAIRS} pairs of synths, exit codes 1.33/1.34:`, outcomes);
  });
});
