// A synth killed (SIGKILL: OOM killer, power cut, Ctrl-\) at a random file-system call of its write:
// <out>/<site> must be the old tree or the new one, whole, at that moment, and the next run must roll
// the dead run back (all or nothing across its sites) and leave no staging folder or lock behind.
// The fault is injected at the system-call boundary (test/helpers/fs-fault.cjs), so the same test runs
// against any writer.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotTree } from './helpers/tree';
import { runChild, runChildAsync } from './helpers/writer-child';
import { treeSnapshot, writeInProcess } from './helpers/write-trees';

/** A small deterministic generator (mulberry32): the same points on every run, printed on failure. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function state(root: string, site: string): string {
  if (!existsSync(join(root, site))) return 'missing';
  const tree = snapshotTree(join(root, site));
  for (const label of ['old', 'new', 'next']) if (JSON.stringify(tree) === JSON.stringify(treeSnapshot(site, label))) return label;
  return `mixed: ${JSON.stringify(Object.values(tree).map((b) => Buffer.from(b, 'base64').toString().trim()))}`;
}

/** The user-visible entries of the output root (slots of the symlink mode are hidden `.<site>.v1/2`). */
const visible = (root: string) => readdirSync(root).filter((n) => !/^\.[a-z]+\.v[12]$/.test(n)).sort();

const TRIALS = 20; // per swap mode

/** Right after the kill: each site is the old tree or the new one (or --swap rename's documented window). */
function checkKilled(root: string, swap: 'rename' | 'symlink', states: readonly string[], where: string): void {
  for (const [i, s] of states.entries()) {
    // --swap rename's window (README): between its two renames the site's name is missing and the old
    // tree sits parked in the dead run's staging folder, which the next run puts back
    if (swap === 'rename' && s === 'missing') {
      const parked = readdirSync(root).filter((n) => n.startsWith('.synth-staging.')).map((n) => join(root, n, 'previous', ['a', 'b'][i]));
      expect(parked.map((p) => snapshotTree(p)), where).toEqual([treeSnapshot(['a', 'b'][i], 'old')]);
      continue;
    }
    expect(['old', 'new'], where).toContain(s);
  }
}

/**
 * The next run (first one that writes nothing) rolls the dead run back, every site old again, unless the
 * dead run had finished (only its lock left): all or nothing across sites. Then a write works as usual.
 */
function recoverAndRewrite(root: string, swap: 'rename' | 'symlink', states: readonly string[], where: string): void {
  writeInProcess(root, 'unused', swap, []);
  const after = ['a', 'b'].map((site) => state(root, site));
  expect([['old', 'old'], ...(states.join() === 'new,new' ? [['new', 'new']] : [])], `${where}: ${states} -> ${after}`).toContainEqual(after);
  expect(visible(root), where).toEqual(['a', 'b']);
  writeInProcess(root, 'next', swap);
  expect(['a', 'b'].map((site) => state(root, site)), where).toEqual(['next', 'next']);
  expect(visible(root), where).toEqual(['a', 'b']);
}

describe.each(['rename', 'symlink'] as const)('a write killed at a random point (--swap %s)', (swap) => {
  it(`leaves each site old or new, whole; the next run rolls it back and cleans up (${TRIALS} kills)`, async () => {
    const calls = (() => {
      const root = mkdtempSync(join(tmpdir(), 'ehc-kill-'));
      writeInProcess(root, 'old', swap);
      const countFile = join(root, '..', `${root.split('/').pop()}.count`);
      expect(runChild({ root, label: 'new', swap, env: { FS_FAULT_COUNT: countFile } }).status).toBe(0);
      return Number(readFileSync(countFile, 'utf8'));
    })();
    const next = random(swap === 'rename' ? 15 : 16);
    const points = Array.from({ length: TRIALS }, () => 1 + Math.floor(next() * calls));
    const seen = new Map<string, number>();
    // trials are independent (one output root each): their children run side by side
    const roots = points.map(() => mkdtempSync(join(tmpdir(), 'ehc-kill-')));
    for (const root of roots) writeInProcess(root, 'old', swap);
    const children = await Promise.all(points.map((at, i) => runChildAsync({ root: roots[i], label: 'new', swap, env: { FS_FAULT: `kill@${at}` } })));
    for (const [trial, at] of points.entries()) {
      const root = roots[trial];
      const child = children[trial];
      const where = `kill at call ${at} of ${calls} (${root})`;
      expect(child.signal, `${where}: ${child.stderr}`).toBe('SIGKILL');
      const states = ['a', 'b'].map((site) => state(root, site));
      seen.set(states.join('/'), (seen.get(states.join('/')) ?? 0) + 1);
      checkKilled(root, swap, states, where);
      recoverAndRewrite(root, swap, states, where);
    }
    // the random points covered the write (old/old), the swap (new/old) and after it (new/new)
    console.log(`--swap ${swap}: ${TRIALS} kills over ${calls} file-system calls:`, Object.fromEntries(seen));
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });
});

describe('a write killed between the two renames of its swap (site b)', () => {
  // b's old tree has just been moved aside (the first rename away from <root>/b); a's new tree is in place
  const env = { FS_FAULT: 'kill@1', FS_FAULT_MATCH: '^renameSync \\S+/b \\S+$' };

  it('--swap symlink: b is still the old tree (the link is flipped in one rename), and the next run rolls a back', () => {
    const root = mkdtempSync(join(tmpdir(), 'ehc-kill-'));
    writeInProcess(root, 'old', 'symlink');
    // in symlink mode b's link is copied, not moved: kill at the flip of b's link instead
    const child = runChild({ root, label: 'new', swap: 'symlink', env: { FS_FAULT: 'kill@1', FS_FAULT_MATCH: '^renameSync \\S+/link-b \\S+/b$' } });
    expect(child.signal).toBe('SIGKILL');
    expect(['a', 'b'].map((site) => state(root, site))).toEqual(['new', 'new']);
    recoverAndRewrite(root, 'symlink', ['new', 'new'], 'killed after the flip of b');
  });

  it('--swap rename: b is missing until the next run, its old tree parked whole in the staging folder (the documented window)', () => {
    const root = mkdtempSync(join(tmpdir(), 'ehc-kill-'));
    writeInProcess(root, 'old', 'rename');
    const child = runChild({ root, label: 'new', swap: 'rename', env });
    expect(child.signal).toBe('SIGKILL');
    const states = ['a', 'b'].map((site) => state(root, site));
    expect(states).toEqual(['new', 'missing']);
    checkKilled(root, 'rename', states, 'killed between the renames of b');
    recoverAndRewrite(root, 'rename', states, 'killed between the renames of b');
  });
});
