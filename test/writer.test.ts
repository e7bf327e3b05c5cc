import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeSiteFiles, writeSites, type WriteStep } from '../lib/output/writer';
import { snapshotTree } from './helpers/tree';
import { treeFiles, treeSnapshot } from './helpers/write-trees';

const previous = [
  { path: '00-namespaces.yaml', content: 'old namespaces\n' },
  { path: '20-gone.yaml', content: 'a chart that will disappear\n' },
  { path: 'nodes/gpu.nodeconfig.yaml', content: 'old node config\n' },
];
const next = [
  { path: '00-namespaces.yaml', content: 'new namespaces\n' },
  { path: 'kustomization.yaml', content: 'resources: [00-namespaces.yaml]\n' },
];

/** A process that stays alive while a test runs (a live lock or staging owner). */
async function liveProcess<T>(work: (pid: number) => T | Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    return await work(child.pid as number);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('writeSiteFiles', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
    writeSiteFiles(root, 'example', previous);
  });

  it('replaces the whole folder: new files in, files of removed charts gone, no staging or lock left', () => {
    writeSiteFiles(root, 'example', next);
    expect(snapshotTree(join(root, 'example'))).toEqual(Object.fromEntries(next.map((f) => [f.path, Buffer.from(f.content).toString('base64')])));
    expect(readdirSync(root)).toEqual(['example']);
    expect(lstatSync(join(root, 'example')).isDirectory()).toBe(true);
  });

  describe('a site whose folder already holds exactly its files is left alone (rename mode)', () => {
    /** Every step the write took; an unchanged site takes none but the lock and the end. */
    const stepsOf = (files: readonly { path: string; content: string }[], swap?: 'rename' | 'symlink') => {
      const steps: string[] = [];
      writeSiteFiles(root, 'example', files, { swap, onStep: (s: WriteStep) => steps.push(s.kind) });
      return steps;
    };
    const inode = (path: string) => lstatSync(join(root, 'example', path)).ino;

    it('the same files again: no step, the very same files (inodes) and folder, no staging left', () => {
      const before = { folder: lstatSync(join(root, 'example')).ino, file: inode('nodes/gpu.nodeconfig.yaml') };
      expect(stepsOf(previous)).toEqual(['locked', 'done']);
      expect({ folder: lstatSync(join(root, 'example')).ino, file: inode('nodes/gpu.nodeconfig.yaml') }).toEqual(before);
      expect(readdirSync(root)).toEqual(['example']);
    });

    it.each([
      ['one byte differs', () => writeFileSync(join(root, 'example', '00-namespaces.yaml'), 'old namespaceS\n')],
      ['a file is missing', () => rmSync(join(root, 'example', 'nodes/gpu.nodeconfig.yaml'))],
      ['an extra file', () => writeFileSync(join(root, 'example', 'notes.txt'), 'x')],
      ['an extra empty folder', () => mkdirSync(join(root, 'example', 'nodes', 'old'))],
      ['a file where a folder was', () => (rmSync(join(root, 'example', 'nodes'), { recursive: true }), writeFileSync(join(root, 'example', 'nodes'), ''))],
      ['a symlink to an identical file', () => (writeFileSync(join(root, 'same.yaml'), 'old namespaces\n'), rmSync(join(root, 'example', '00-namespaces.yaml')), symlinkSync(join(root, 'same.yaml'), join(root, 'example', '00-namespaces.yaml')))],
    ])('rewritten when %s', (_what, change) => {
      change();
      expect(stepsOf(previous)).toContain('staged');
      expect(snapshotTree(join(root, 'example'))).toEqual(Object.fromEntries(previous.map((f) => [f.path, Buffer.from(f.content).toString('base64')])));
    });

    it('rewritten when the site is the link of a symlink-mode write (rename mode writes a plain folder)', () => {
      expect(stepsOf(previous, 'symlink')).toContain('staged');
      expect(lstatSync(join(root, 'example')).isSymbolicLink()).toBe(true);
      expect(stepsOf(previous)).toContain('staged');
      expect(lstatSync(join(root, 'example')).isDirectory()).toBe(true);
      expect(readdirSync(root)).toEqual(['example']); // the slots are gone
    });

    it('symlink mode always writes (each write flips the link)', () => {
      expect(stepsOf(previous, 'symlink')).toContain('staged');
      expect(stepsOf(previous, 'symlink')).toContain('staged');
    });

    it('of several sites only the changed ones are staged and swapped', () => {
      writeSiteFiles(root, 'other', next);
      const staged: string[] = [];
      writeSites(root, [{ site: 'example', files: previous }, { site: 'other', files: previous }], { onStep: (s) => s.kind === 'place' && staged.push(s.path) });
      expect(staged.map((p) => p.slice(root.length + 1))).toEqual(['other']);
      expect(readFileSync(join(root, 'other', '20-gone.yaml'), 'utf8')).toBe('a chart that will disappear\n');
    });
  });

  it('leaves other sites alone', () => {
    writeSiteFiles(root, 'other', next);
    writeSiteFiles(root, 'example', next);
    expect(readFileSync(join(root, 'other', '00-namespaces.yaml'), 'utf8')).toBe('new namespaces\n');
  });

  it('keeps the previous output when writing fails half-way (injected fault)', () => {
    const before = snapshotTree(root);
    let count = 0;
    expect(() =>
      writeSiteFiles(root, 'example', [...next, ...next.map((f) => ({ ...f, path: `x/${f.path}` }))], {
        onFileWritten: () => {
          count += 1;
          if (count === 2) throw new Error('disk full (injected)');
        },
      }),
    ).toThrow('disk full (injected)');
    expect(count).toBe(2);
    expect(snapshotTree(root)).toEqual(before);
    expect(readdirSync(root)).toEqual(['example']);
  });

  it('refuses to write while another live process holds the lock, naming the folder and the pid', async () => {
    await liveProcess((pid) => {
      writeFileSync(join(root, '.synth.lock'), `${pid}\n`);
      const before = snapshotTree(join(root, 'example'));
      expect(() => writeSiteFiles(root, 'example', next)).toThrow(`${root}: another synth is writing ${root} (pid ${pid}); if none is running, delete ${join(root, '.synth.lock')}`);
      expect(snapshotTree(join(root, 'example'))).toEqual(before);
      expect(readFileSync(join(root, '.synth.lock'), 'utf8')).toBe(`${pid}\n`);
    });
  });

  it('takes over a stale lock (its process is gone) and removes the dead run leftovers', async () => {
    const dead = await new Promise<number>((done) => {
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      child.on('close', () => done(child.pid as number));
    });
    writeFileSync(join(root, '.synth.lock'), `${dead}\n`);
    mkdirSync(join(root, `.synth-staging.${dead}`, 'new', 'example'), { recursive: true });
    writeFileSync(join(root, `.synth-staging.${dead}`, 'new', 'example', 'half.yaml'), 'half\n');
    writeSiteFiles(root, 'example', next);
    expect(readdirSync(root)).toEqual(['example']);
  });

  it('counts a lock written on another machine as live (its pid cannot be checked from here)', () => {
    writeFileSync(join(root, '.synth.lock'), '999999999 build-host-7\n');
    expect(() => writeSiteFiles(root, 'example', next)).toThrow(`another synth is writing ${root} (pid 999999999 on build-host-7)`);
    writeFileSync(join(root, '.synth.lock'), `999999999 ${hostname()}\n`);
    writeSiteFiles(root, 'example', next);
    expect(readdirSync(root)).toEqual(['example']);
  });

  it("never touches a live process's staging folder", async () => {
    await liveProcess((pid) => {
      const staging = join(root, `.synth-staging.${pid}`);
      mkdirSync(join(staging, 'new', 'example'), { recursive: true });
      writeFileSync(join(staging, 'new', 'example', 'being-written.yaml'), 'x\n');
      writeSiteFiles(root, 'example', next);
      expect(snapshotTree(staging)).toEqual({ 'new/example/being-written.yaml': Buffer.from('x\n').toString('base64') });
    });
  });
});

describe('writeSites: all or nothing across sites', () => {
  for (const swap of ['rename', 'symlink'] as const) {
    it(`--swap ${swap}: a failure at any step leaves every site as it was (every step tried)`, () => {
      const steps: WriteStep[] = [];
      const probe = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
      writeSites(probe, ['a', 'b'].map((site) => ({ site, files: treeFiles(site, 'old') })), { swap });
      writeSites(probe, ['a', 'b', 'c'].map((site) => ({ site, files: treeFiles(site, 'new') })), { swap, onStep: (s) => steps.push(s) });
      expect(steps.filter((s) => s.kind === 'place').length).toBeGreaterThanOrEqual(3);
      // fail at every step but the last ('done': the write is complete)
      for (let failAt = 1; failAt < steps.length; failAt += 1) {
        const root = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
        writeSites(root, ['a', 'b'].map((site) => ({ site, files: treeFiles(site, 'old') })), { swap });
        const before = Object.fromEntries(['a', 'b'].map((site) => [site, snapshotTree(join(root, site))]));
        const entries = readdirSync(root).sort();
        let n = 0;
        const fail = (s: WriteStep) => {
          n += 1;
          if (n === failAt) throw Object.assign(new Error(`ENOSPC: injected at ${s.path}`), { code: 'ENOSPC' });
        };
        expect(() => writeSites(root, ['a', 'b', 'c'].map((site) => ({ site, files: treeFiles(site, 'new') })), { swap, onStep: fail }), `step ${failAt}: ${steps[failAt - 1].kind} ${steps[failAt - 1].path}`).toThrow(
          /no space left on device \(ENOSPC\); nothing in .* was changed$/,
        );
        expect(Object.fromEntries(['a', 'b'].map((site) => [site, snapshotTree(join(root, site))])), `step ${failAt}`).toEqual(before);
        expect(readdirSync(root).sort(), `step ${failAt}`).toEqual(entries);
      }
    });
  }
});

describe('writeSites: only names inside the output root', () => {
  const attempt = (site: string, path: string) => {
    const root = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
    writeSites(root, [{ site: 'kept', files: [{ path: 'f.yaml', content: 'kept\n' }] }]);
    let error: unknown;
    try {
      writeSites(root, [{ site: 'kept', files: [{ path: 'f.yaml', content: 'changed\n' }] }, { site, files: [{ path, content: 'x\n' }] }]);
    } catch (err) {
      error = err;
    }
    return { error, entries: readdirSync(root), kept: readFileSync(join(root, 'kept', 'f.yaml'), 'utf8') };
  };

  it.each(['', '.', '..', '.hidden', 'a/b', '/abs', '../up'])('site %j is refused before anything is touched', (site) => {
    const { error, entries, kept } = attempt(site, 'f.yaml');
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`writeSites: site ${JSON.stringify(site)} is not a plain folder name`);
    expect(entries).toEqual(['kept']);
    expect(kept).toBe('kept\n');
  });

  it.each(['/abs.yaml', '/', 'a//b.yaml', 'a/', './a.yaml', 'a/./b.yaml', '..', '../a.yaml', 'a/../../b.yaml', 'a/..'])('file %j is refused before anything is touched', (path) => {
    const { error, entries, kept } = attempt('s', path);
    expect((error as Error).message).toBe(`writeSites: s: file ${JSON.stringify(path)} is not a relative path inside the site folder`);
    expect(entries).toEqual(['kept']);
    expect(kept).toBe('kept\n');
  });

  it('dots inside names are fine', () => {
    const { error, entries, kept } = attempt('site.v1-a', 'a.b/..c/d..yaml');
    expect(error).toBeUndefined();
    expect(entries.sort()).toEqual(['kept', 'site.v1-a']);
    expect(kept).toBe('changed\n');
  });
});

describe('--swap symlink', () => {
  it('<out>/<site> is a link to .<site>.v1 or .v2, alternating, with the same bytes as a rename write', () => {
    const root = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
    const plain = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
    writeSiteFiles(plain, 'example', treeFiles('example', 'new'));
    writeSiteFiles(root, 'example', treeFiles('example', 'old'), { swap: 'symlink' });
    expect(readlinkSync(join(root, 'example'))).toBe('.example.v1');
    writeSiteFiles(root, 'example', treeFiles('example', 'new'), { swap: 'symlink' });
    expect(readlinkSync(join(root, 'example'))).toBe('.example.v2');
    // the previous tree stays whole until the next write, for a reader that resolved the link before the flip
    expect(snapshotTree(join(root, '.example.v1'))).toEqual(treeSnapshot('example', 'old'));
    expect(snapshotTree(join(root, 'example'))).toEqual(snapshotTree(join(plain, 'example')));
    writeSiteFiles(root, 'example', treeFiles('example', 'next'), { swap: 'symlink' });
    expect(readlinkSync(join(root, 'example'))).toBe('.example.v1');
    expect(readdirSync(root).sort()).toEqual(['.example.v1', '.example.v2', 'example']);
  });

  it('switches from a plain folder and back', () => {
    const root = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
    writeSiteFiles(root, 'example', treeFiles('example', 'old'));
    writeSiteFiles(root, 'example', treeFiles('example', 'new'), { swap: 'symlink' });
    expect(lstatSync(join(root, 'example')).isSymbolicLink()).toBe(true);
    expect(snapshotTree(join(root, 'example'))).toEqual(treeSnapshot('example', 'new'));
    writeSiteFiles(root, 'example', treeFiles('example', 'next'));
    expect(lstatSync(join(root, 'example')).isDirectory()).toBe(true);
    expect(snapshotTree(join(root, 'example'))).toEqual(treeSnapshot('example', 'next'));
    expect(readdirSync(root)).toEqual(['example']);
  });
});
