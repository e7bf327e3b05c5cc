// lib/output/writer.ts under injected file-system faults, in this process (test/helpers/fs-hook.ts): the
// messages of its errors, the lock's corner cases, the clean-up of dead runs' leftovers, the roll-back
// after a failure and after a crash. The child-process tests (writer-kill, writer-cli, writer-concurrency)
// test the same writer through a real process boundary; these assertions run where the writer runs.
// A crash is simulated by a crash image: a copy of the output root taken right after a file-system call
// (symbolic links kept), whose run is then dead (its pid is ours, which no lock of ours can hold, or
// that of a process that has exited).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SiteFiles, SwapMode, WriteOptions, WriteStep } from '../lib/output/writer';
import type { OutputFile } from '../lib/render/render';
import { args, before, errno, fail, MUTATING, under, withFaults, type FsCall, type Rule } from './helpers/fs-hook';

vi.mock('node:fs', async (importOriginal) => (await import('./helpers/fs-hook.ts')).hookedFs(await importOriginal()));

// The writer afresh, importing the mock: another test file of this worker may have loaded it with the real fs.
type Writer = typeof import('../lib/output/writer.ts');
let writer: Writer;
beforeAll(async () => {
  vi.resetModules();
  writer = await import('../lib/output/writer.ts');
});
const writeSites: Writer['writeSites'] = (...a) => writer.writeSites(...a);

// ---------------------------------------------------------------------------------------------------
// Roots, trees, processes

const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-writer-faults-'));
  made.push(dir);
  return dir;
};

const tree = (site: string, label: string): OutputFile[] => [
  { path: 'f0.yaml', content: `${site} ${label} 0\n` },
  { path: 'sub/f1.yaml', content: `${site} ${label} 1\n` },
];
const sitesOf = (label: string, names: readonly string[] = ['a', 'b']): SiteFiles[] => names.map((site) => ({ site, files: tree(site, label) }));

/** A root holding sites a and b, written once per mode given (label old0, old1, …). */
function oldRoot(modes: readonly SwapMode[] = ['rename']): string {
  const root = tmp();
  modes.forEach((swap, i) => writeSites(root, sitesOf(`old${i}`), { swap }));
  return root;
}

/** Every entry below `root`, links not followed: `dir/` → 'dir', a link → '-> target', a file → its text. */
function image(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const stat = lstatSync(join(root, path));
      if (stat.isSymbolicLink()) out[path] = `-> ${readlinkSync(join(root, path))}`;
      else if (stat.isDirectory()) {
        out[`${path}/`] = 'dir';
        walk(path);
      } else out[path] = readFileSync(join(root, path), 'utf8');
    }
  };
  walk('');
  return out;
}

/** An image without the slots of the symlink mode (`.<site>.v1`, `.v2`). */
const withoutSlots = (img: Record<string, string>) => Object.fromEntries(Object.entries(img).filter(([path]) => !/^\.[a-z]+\.v[12](\/|$)/.test(path)));

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const [source, target] = [join(from, name), join(to, name)];
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (stat.isDirectory()) copyTree(source, target);
    else writeFileSync(target, readFileSync(source));
  }
}

/** A copy of a crash image whose dead run had process id `pid`: our pid in its names and lock rewritten. */
function asRunOf(pid: number, crash: string): string {
  const root = tmp();
  copyTree(crash, root);
  for (const name of readdirSync(root)) {
    const ours = /^(\.synth-staging\.|\.synth\.lock\.(?:stale\.)?)([0-9]+)$/.exec(name);
    if (ours && Number(ours[2]) === process.pid) renameSync(join(root, name), join(root, `${ours[1]}${pid}`));
  }
  const lock = join(root, '.synth.lock');
  if (existsSync(lock)) writeFileSync(lock, readFileSync(lock, 'utf8').replace(/^[0-9]+/, String(pid)));
  return root;
}

const stagingOf = (root: string) => join(root, `.synth-staging.${process.pid}`);
const lockOf = (root: string) => join(root, '.synth.lock');
const HOST = hostname();

function caught(work: () => unknown): Error {
  try {
    work();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the write to fail');
}

function expectIo(err: Error, message: string): void {
  expect(err).toBeInstanceOf(writer.OutputWriteError);
  expect({ name: err.name, kind: (err as InstanceType<Writer['OutputWriteError']>).kind, message: err.message }).toEqual({ name: 'OutputWriteError', kind: 'io', message });
}

function expectBusy(err: Error, root: string, who: string): void {
  expect(err).toBeInstanceOf(writer.OutputWriteError);
  expect({ name: err.name, kind: (err as InstanceType<Writer['OutputWriteError']>).kind, message: err.message }).toEqual({
    name: 'OutputWriteError',
    kind: 'busy',
    message: `${root}: another synth is writing ${root} (${who}); if none is running, delete ${lockOf(root)}`,
  });
}

/** onStep that throws an errno error at the first step `when` accepts. */
const failStep =
  (when: (s: WriteStep) => boolean, code = 'ENOSPC'): WriteOptions['onStep'] =>
  (s) => {
    if (when(s)) throw Object.assign(new Error(`${code}: injected at ${s.kind} ${s.path}`), { code });
  };

// live: two processes that sleep while the tests run; dead: the pid of a process that has exited
const sleepers: ChildProcess[] = [];
let live: number;
let live2: number;
let dead: number;
beforeAll(async () => {
  for (let i = 0; i < 2; i += 1) sleepers.push(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' }));
  [live, live2] = sleepers.map((c) => c.pid as number);
  dead = await new Promise<number>((done) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('close', () => done(child.pid as number));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  for (const child of sleepers) child.kill('SIGKILL');
  // side by side: on a slow disk, one after the other takes seconds
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------------

/** The reasons the writer gives for errno codes (lib/output/writer.ts's REASONS, as the user reads them). */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EXDEV: 'not on the same file system',
};

describe('a file-system error is one line, `<path>: <reason> (<CODE>)`, and leaves the root as it was', () => {
  it.each(Object.entries(REASONS))('%s: "%s"', (code, reason) => {
    const root = oldRoot();
    const was = image(root);
    const file = join(stagingOf(root), 'new', 'a', 'sub', 'f1.yaml');
    const err = caught(() => withFaults([{ fn: 'writeFileSync', match: args(file), act: fail(code) }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${file}: ${reason} (${code}); nothing in ${root} was changed`);
    expect(image(root)).toEqual(was);
  });

  it("a code without a reason of its own: the error's first line stands for the reason", () => {
    const root = oldRoot();
    const was = image(root);
    const file = join(stagingOf(root), 'new', 'b', 'f0.yaml');
    const weird: Rule['act'] = (_n, _run, call) => {
      throw errno('EWEIRD', call, `EWEIRD: the disk is haunted, open '${file}'\n    at the second line`);
    };
    const err = caught(() => withFaults([{ fn: 'writeFileSync', match: args(file), act: weird }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${file}: EWEIRD: the disk is haunted, open '${file}' (EWEIRD); nothing in ${root} was changed`);
    expect(image(root)).toEqual(was);
  });

  it('an error that is not a file-system error (from onStep) goes through unchanged, the root as it was', () => {
    const root = oldRoot();
    const was = image(root);
    const broken = new Error('the progress display broke');
    const err = caught(() =>
      writeSites(root, sitesOf('new'), {
        onStep: (s) => {
          if (s.kind === 'file') throw broken;
        },
      }),
    );
    expect(err).toBe(broken);
    expect(err.message).toBe('the progress display broke');
    expect(image(root)).toEqual(was);
  });

  it('the file-system error at a site folder (lstat) names the folder', () => {
    const root = oldRoot();
    const was = image(root);
    const err = caught(() => withFaults([{ fn: 'lstatSync', match: args(join(root, 'a')), act: fail('EACCES') }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${join(root, 'a')}: permission denied (EACCES); nothing in ${root} was changed`);
    expect(image(root)).toEqual(was);
  });

  it('the failed write of the journal names the journal', () => {
    const root = oldRoot();
    const was = image(root);
    const journal = join(stagingOf(root), 'journal.json');
    const err = caught(() => withFaults([{ fn: 'writeFileSync', match: args(journal), act: fail('ENOSPC') }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${journal}: no space left on device (ENOSPC); nothing in ${root} was changed`);
    expect(image(root)).toEqual(was);
  });
});

describe('the output root is created like mkdir -p, and fails instead of looping', () => {
  it('missing parents are created', () => {
    const root = join(tmp(), 'x', 'y', 'out');
    writeSites(root, sitesOf('new'));
    const fresh = tmp();
    writeSites(fresh, sitesOf('new'));
    expect(image(root)).toEqual(image(fresh));
  });

  it.each([
    ['the root is a file', (file: string) => file],
    ['a parent of the root is a file', (file: string) => join(file, 'out')],
  ])('%s: ENOTDIR naming the root', (_what, rootFor) => {
    const file = join(tmp(), 'file');
    writeFileSync(file, 'not a folder\n');
    const root = rootFor(file);
    const err = caught(() => writeSites(root, sitesOf('new')));
    expectIo(err, `${root}: a part of the path is not a directory (ENOTDIR); nothing in ${root} was changed`);
    expect(readFileSync(file, 'utf8')).toBe('not a folder\n');
  });

  it.each(['EACCES', 'EROFS', 'ENOSPC'])('mkdir failing with %s (once) is reported, not retried', (code) => {
    const root = join(tmp(), 'out');
    const err = caught(() => withFaults([{ fn: 'mkdirSync', match: args(root), act: fail(code, 1) }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${root}: ${REASONS[code]} (${code}); nothing in ${root} was changed`);
    expect(existsSync(root)).toBe(false);
  });

  it('mkdir says ENOENT although the parent exists (as in /proc): ENOENT naming the root', () => {
    const root = join(tmp(), 'out');
    const err = caught(() => withFaults([{ fn: 'mkdirSync', match: args(root), act: fail('ENOENT') }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${root}: no such file or directory (ENOENT); nothing in ${root} was changed`);
    expect(existsSync(root)).toBe(false);
  });

  it('mkdir says ENOENT for every folder up to /: ENOENT naming the root, no endless recursion', () => {
    const root = join(tmp(), 'x', 'out');
    const err = caught(() => withFaults([{ fn: 'mkdirSync', act: fail('ENOENT') }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${root}: no such file or directory (ENOENT); nothing in ${root} was changed`);
  });

  it('another process creates the root while its parents are made: the write goes on', () => {
    const root = join(tmp(), 'x', 'out');
    withFaults([{ fn: 'mkdirSync', match: args(root), act: before(() => mkdirSync(root), 2) }], () => writeSites(root, sitesOf('new')));
    expect(Object.keys(image(root))).toEqual(['a/', 'a/f0.yaml', 'a/sub/', 'a/sub/f1.yaml', 'b/', 'b/f0.yaml', 'b/sub/', 'b/sub/f1.yaml']);
  });

  it('another process creates a file at the root while its parents are made: EEXIST naming the root', () => {
    const root = join(tmp(), 'x', 'out');
    const err = caught(() => withFaults([{ fn: 'mkdirSync', match: args(root), act: before(() => writeFileSync(root, ''), 2) }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${root}: already exists (EEXIST); nothing in ${root} was changed`);
  });

  it('mkdir of the root fails (EIO) after its parents were made, though the folder appeared: reported', () => {
    const root = join(tmp(), 'x', 'out');
    const act: Rule['act'] = (n, run, call) => {
      if (n < 2) return run();
      run();
      throw errno('EIO', call);
    };
    const err = caught(() => withFaults([{ fn: 'mkdirSync', match: args(root), act }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${root}: input/output error (EIO); nothing in ${root} was changed`);
  });
});

describe('the lock', () => {
  /** A root with sites a and b and a lock reading `content`; its image before the write. */
  function locked(content: string): { root: string; was: Record<string, string> } {
    const root = oldRoot();
    writeFileSync(lockOf(root), content);
    return { root, was: image(root) };
  }

  it.each([
    ['<pid>', () => `${live}\n`, () => `pid ${live}`],
    ['<pid> <this host>', () => `${live} ${HOST}\n`, () => `pid ${live}`],
    ['<pid> <another host> (cannot be checked: live)', () => `999999999 build-host-7\n`, () => 'pid 999999999 on build-host-7'],
    ['<pid of an exited process> <another host>', () => `${dead} build-host-7\n`, () => `pid ${dead} on build-host-7`],
  ])('a live holder %s: busy, naming it; nothing changed', (_what, content, who) => {
    const { root, was } = locked(content());
    expectBusy(
      caught(() => writeSites(root, sitesOf('new'))),
      root,
      who(),
    );
    expect(image(root)).toEqual(was);
  });

  it("a holder that exists but is another user's (kill says EPERM) counts as live", () => {
    const { root, was } = locked(`${dead}\n`);
    const kill = process.kill.bind(process);
    vi.spyOn(process, 'kill').mockImplementation((pid, signal) => {
      if (pid === dead) throw Object.assign(new Error(`kill EPERM`), { code: 'EPERM', syscall: 'kill' });
      return kill(pid, signal);
    });
    expectBusy(
      caught(() => writeSites(root, sitesOf('new'))),
      root,
      `pid ${dead}`,
    );
    expect(image(root)).toEqual(was);
  });

  it.each([
    ['an exited process', () => `${dead} ${HOST}\n`],
    ['this process (an earlier process had our pid: a restarted container)', () => `${process.pid} ${HOST}\n`],
    ['this process, without host', () => `${process.pid}\n`],
  ])('a stale lock of %s is taken over', (_what, content) => {
    const { root } = locked(content());
    writeSites(root, sitesOf('new'));
    expect(readdirSync(root)).toEqual(['a', 'b']);
    expect(readFileSync(join(root, 'a', 'f0.yaml'), 'utf8')).toBe('a new 0\n');
  });

  describe('a lock that names no holder (being written by an old writer, or garbage): busy while younger than 10 s, then taken over', () => {
    const MTIME = 1_700_000_000; // seconds
    const contents = () => ['', 'garbage', `${live}x`, `x${live}`, `junk ${live}`, `${live} ${HOST} extra`, `0 ${HOST}`, `-${live}`];

    it.each([0, 1, 2, 3, 4, 5, 6, 7])('content #%i, 9.999 s old: busy (pid unknown)', (i) => {
      const { root, was } = locked(contents()[i]);
      utimesSync(lockOf(root), MTIME, MTIME);
      vi.spyOn(Date, 'now').mockReturnValue(MTIME * 1000 + 9_999);
      expectBusy(
        caught(() => writeSites(root, sitesOf('new'))),
        root,
        'pid unknown',
      );
      expect(image(root)).toEqual(was);
    });

    it.each([0, 1, 2, 3, 4, 5, 6, 7])('content #%i, 10 s old: taken over', (i) => {
      const { root } = locked(contents()[i]);
      utimesSync(lockOf(root), MTIME, MTIME);
      vi.spyOn(Date, 'now').mockReturnValue(MTIME * 1000 + 10_000);
      writeSites(root, sitesOf('new'));
      expect(readdirSync(root)).toEqual(['a', 'b']);
    });

    it('released between the read and the look at its age: taken', () => {
      const { root } = locked('garbage');
      withFaults([{ fn: 'lstatSync', match: args(lockOf(root)), act: before(() => unlinkSync(lockOf(root)), 1) }], () => writeSites(root, sitesOf('new')));
      expect(readdirSync(root)).toEqual(['a', 'b']);
    });
  });

  it('a folder where the lock goes: EISDIR naming the lock', () => {
    const root = oldRoot();
    mkdirSync(lockOf(root));
    const was = image(root);
    expectIo(
      caught(() => writeSites(root, sitesOf('new'))),
      `${lockOf(root)}: is a directory (EISDIR); nothing in ${root} was changed`,
    );
    expect(image(root)).toEqual(was);
  });

  describe('a lock released and taken again by others between our tries (each try: create, then read)', () => {
    /** The lock is released just before each of our first `times` reads, and taken again before our next create. */
    function flicker(root: string, times: number): Rule[] {
      return [
        { fn: 'readFileSync', match: args(lockOf(root)), act: before(() => unlinkSync(lockOf(root)), ...Array.from({ length: times }, (_, i) => i + 1)) },
        { fn: 'linkSync', match: args(/\.synth\.lock\.[0-9]+$/, lockOf(root)), act: before(() => writeFileSync(lockOf(root), `${live} ${HOST}\n`), ...Array.from({ length: times - 1 }, (_, i) => i + 2)) },
      ];
    }

    it('twice: the third try takes the lock', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${live} ${HOST}\n`);
      withFaults(flicker(root, 2), () => writeSites(root, sitesOf('new')));
      expect(readdirSync(root)).toEqual(['a', 'b']);
      expect(readFileSync(join(root, 'b', 'sub', 'f1.yaml'), 'utf8')).toBe('b new 1\n');
    });

    it('five times: gives up after five tries, busy (pid unknown)', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${live} ${HOST}\n`);
      const was = image(root);
      expectBusy(
        caught(() => withFaults(flicker(root, 5), () => writeSites(root, sitesOf('new')))),
        root,
        'pid unknown',
      );
      delete was['.synth.lock']; // released after the fifth read
      expect(image(root)).toEqual(was);
    });
  });

  describe('taking a stale lock over (moved aside under our name, checked, deleted)', () => {
    const aside = (root: string) => `${lockOf(root)}.stale.${process.pid}`;
    const move = (root: string) => args(lockOf(root), aside(root));

    it('another taker moved it first (rename: ENOENT): the next try takes the lock', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${dead} ${HOST}\n`);
      withFaults([{ fn: 'renameSync', match: move(root), act: before(() => unlinkSync(lockOf(root)), 1) }], () => writeSites(root, sitesOf('new')));
      expect(readdirSync(root)).toEqual(['a', 'b']);
    });

    it('moving it fails (EACCES): reported, naming the lock', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${dead} ${HOST}\n`);
      const was = image(root);
      expectIo(
        caught(() => withFaults([{ fn: 'renameSync', match: move(root), act: fail('EACCES') }], () => writeSites(root, sitesOf('new')))),
        `${lockOf(root)}: permission denied (EACCES); nothing in ${root} was changed`,
      );
      expect(image(root)).toEqual(was);
    });

    it.each([
      ['of an exited process', () => `${dead} ${HOST}\n`],
      ['without holder, older than 10 s', () => 'garbage'],
    ])('a lock %s, taken over by a live process just before we move it: put back, busy naming the new holder', (_what, content) => {
      const root = oldRoot();
      writeFileSync(lockOf(root), content());
      utimesSync(lockOf(root), 1_000_000_000, 1_000_000_000);
      const was = { ...image(root), '.synth.lock': `${live} ${HOST}\n` };
      expectBusy(
        caught(() => withFaults([{ fn: 'renameSync', match: move(root), act: before(() => writeFileSync(lockOf(root), `${live} ${HOST}\n`)) }], () => writeSites(root, sitesOf('new')))),
        root,
        `pid ${live}`,
      );
      expect(image(root)).toEqual(was);
    });

    it('a third process took the lock while we put the moved one back: busy, the third keeps it', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${dead} ${HOST}\n`);
      const was = { ...image(root), '.synth.lock': `${live2} ${HOST}\n` };
      const rules: Rule[] = [
        { fn: 'renameSync', match: move(root), act: before(() => writeFileSync(lockOf(root), `${live} ${HOST}\n`)) },
        { fn: 'linkSync', match: args(aside(root), lockOf(root)), act: before(() => writeFileSync(lockOf(root), `${live2} ${HOST}\n`)) },
      ];
      expectBusy(
        caught(() => withFaults(rules, () => writeSites(root, sitesOf('new')))),
        root,
        `pid ${live}`,
      );
      expect(image(root)).toEqual(was);
    });

    it('putting the moved lock back fails (EIO): reported, and nothing of ours left', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${dead} ${HOST}\n`);
      const rules: Rule[] = [
        { fn: 'renameSync', match: move(root), act: before(() => writeFileSync(lockOf(root), `${live} ${HOST}\n`)) },
        { fn: 'linkSync', match: args(aside(root), lockOf(root)), act: fail('EIO') },
      ];
      expectIo(
        caught(() => withFaults(rules, () => writeSites(root, sitesOf('new')))),
        `${lockOf(root)}: input/output error (EIO); nothing in ${root} was changed`,
      );
      expect(readdirSync(root).filter((n) => n.startsWith('.synth'))).toEqual([]);
    });

    it('what we moved names no holder (an old writer had just created it): taken over like garbage', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${dead} ${HOST}\n`);
      withFaults([{ fn: 'renameSync', match: move(root), act: before(() => writeFileSync(lockOf(root), '')) }], () => writeSites(root, sitesOf('new')));
      expect(readdirSync(root)).toEqual(['a', 'b']);
    });

    it('what we moved is the stale lock we checked, though its pid was reused meanwhile: taken over', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${dead} ${HOST}\n`);
      const kill = process.kill.bind(process);
      let checks = 0;
      vi.spyOn(process, 'kill').mockImplementation((pid, signal) => {
        if (pid !== dead) return kill(pid, signal);
        checks += 1;
        if (checks === 1) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH', syscall: 'kill' });
        return true; // a new process got the pid
      });
      writeSites(root, sitesOf('new'));
      expect(readdirSync(root)).toEqual(['a', 'b']);
    });
  });

  describe('where hard links are not supported, the lock is created with O_EXCL', () => {
    const link = (root: string) => args(/\.synth\.lock\.[0-9]+$/, lockOf(root));

    it.each(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])('link fails with %s: the lock holds our pid and host; released after', (code) => {
      const root = oldRoot();
      const seen: string[] = [];
      withFaults([{ fn: 'linkSync', match: link(root), act: fail(code) }], () =>
        writeSites(root, sitesOf('new'), { onStep: (s) => s.kind === 'locked' && seen.push(readFileSync(lockOf(root), 'utf8'), ...readdirSync(root).filter((n) => n.startsWith('.synth.lock'))) }),
      );
      expect(seen).toEqual([`${process.pid} ${HOST}\n`, '.synth.lock']);
      expect(readdirSync(root)).toEqual(['a', 'b']);
      expect(readFileSync(join(root, 'a', 'f0.yaml'), 'utf8')).toBe('a new 0\n');
    });

    it('the lock file descriptor is closed after writing our pid', () => {
      const root = oldRoot();
      const opened: number[] = [];
      const closed: unknown[] = [];
      const rules: Rule[] = [
        { fn: 'linkSync', match: link(root), act: fail('EPERM') },
        {
          fn: 'openSync',
          match: args(lockOf(root)),
          act: (_n, run) => {
            const fd = run() as number;
            opened.push(fd);
            return fd;
          },
        },
        // (not fstat afterwards: another thread of the process may get the same number once it is free)
        { fn: 'closeSync', act: (_n, run, call) => (closed.push(call.args[0]), run()) },
      ];
      withFaults(rules, () => writeSites(root, sitesOf('new')));
      expect(opened).toHaveLength(1);
      expect(closed).toContain(opened[0]);
    });

    it('a live holder: busy, naming it', () => {
      const root = oldRoot();
      writeFileSync(lockOf(root), `${live} ${HOST}\n`);
      const was = image(root);
      expectBusy(
        caught(() => withFaults([{ fn: 'linkSync', match: link(root), act: fail('EPERM') }], () => writeSites(root, sitesOf('new')))),
        root,
        `pid ${live}`,
      );
      expect(image(root)).toEqual(was);
    });

    it('creating it fails (EACCES): reported, naming the lock', () => {
      const root = oldRoot();
      const was = image(root);
      const rules: Rule[] = [
        { fn: 'linkSync', match: link(root), act: fail('ENOTSUP') },
        { fn: 'openSync', match: args(lockOf(root)), act: fail('EACCES') },
      ];
      expectIo(
        caught(() => withFaults(rules, () => writeSites(root, sitesOf('new')))),
        `${lockOf(root)}: permission denied (EACCES); nothing in ${root} was changed`,
      );
      expect(image(root)).toEqual(was);
    });

    it('link failing otherwise (EIO) is reported, and our temporary file is removed', () => {
      const root = oldRoot();
      const was = image(root);
      expectIo(
        caught(() => withFaults([{ fn: 'linkSync', match: link(root), act: fail('EIO') }], () => writeSites(root, sitesOf('new')))),
        `${lockOf(root)}: input/output error (EIO); nothing in ${root} was changed`,
      );
      expect(image(root)).toEqual(was);
    });
  });

  it('the lock deleted by hand during the write (as the busy message suggests): the write completes', () => {
    const root = oldRoot();
    writeSites(root, sitesOf('new'), { onStep: (s) => s.kind === 'staged' && unlinkSync(lockOf(root)) });
    expect(readdirSync(root)).toEqual(['a', 'b']);
    expect(readFileSync(join(root, 'b', 'f0.yaml'), 'utf8')).toBe('b new 0\n');
  });
});

describe("dead runs' leftovers are removed, live ones' and other names are not", () => {
  it('temporary lock files (.synth.lock.<pid>, .synth.lock.stale.<pid>)', () => {
    const root = oldRoot();
    const names = {
      gone: [`.synth.lock.${dead}`, `.synth.lock.stale.${dead}`, `.synth.lock.${process.pid}`, `.synth.lock.stale.${process.pid}`],
      kept: [`.synth.lock.${live}`, `.synth.lock.stale.${live}`, `notes.synth.lock.${dead}`, `.synth.lock.${dead}.bak`, '.synth.lock.stale.x'],
    };
    for (const name of [...names.gone, ...names.kept]) writeFileSync(join(root, name), `${name}\n`);
    writeSites(root, sitesOf('new'));
    expect(readdirSync(root).sort()).toEqual(['a', 'b', ...names.kept].sort());
    for (const name of names.kept) expect(readFileSync(join(root, name), 'utf8')).toBe(`${name}\n`);
  });

  it('staging folders: of a dead pid, of pid 0, of a name that is no pid: removed; of a live pid: kept', () => {
    const root = oldRoot();
    const staged = (name: string) => {
      mkdirSync(join(root, name, 'new', 'a'), { recursive: true });
      writeFileSync(join(root, name, 'new', 'a', 'f0.yaml'), 'half\n');
      writeFileSync(join(root, name, 'journal.json'), '{"sites":["a"]}\n');
    };
    for (const name of [`.synth-staging.${dead}`, '.synth-staging.0', '.synth-staging.x', `.synth-staging.${live}`]) staged(name);
    mkdirSync(join(root, '.synth-staging-notes'));
    const kept = image(join(root, `.synth-staging.${live}`));
    writeSites(root, sitesOf('new'));
    expect(readdirSync(root).sort()).toEqual(['.synth-staging-notes', `.synth-staging.${live}`, 'a', 'b']);
    expect(image(join(root, `.synth-staging.${live}`))).toEqual(kept);
  });
});

// ---------------------------------------------------------------------------------------------------
// All or nothing: a failure at any file-system call, and a crash after any, in four kinds of writes.

const SCENARIOS: readonly { name: string; prior: readonly SwapMode[]; swap: SwapMode }[] = [
  { name: 'rename over plain folders', prior: ['rename'], swap: 'rename' },
  { name: 'symlink over links written twice (both slots taken)', prior: ['symlink', 'symlink'], swap: 'symlink' },
  { name: 'symlink over plain folders', prior: ['rename'], swap: 'symlink' },
  { name: 'rename over links written twice', prior: ['symlink', 'symlink'], swap: 'rename' },
];
/** Sites a and b replaced, c new. */
const NEXT = sitesOf('new', ['a', 'b', 'c']);

/** The calls of a write that change something below `root`, not counting the lock's own. */
const writeCall = (root: string) => (call: FsCall) => under(root)(call) && !call.paths.some((p) => p.startsWith(lockOf(root)));

describe.each(SCENARIOS)('$name', ({ prior, swap }) => {
  it('a failure at any file-system call leaves the root as it was; once committed, the new trees stay', () => {
    // a probe: the calls of the write, and the one that commits it (removes the journal or the staging folder)
    const probe = oldRoot(prior);
    const calls: string[] = [];
    withFaults([{ fn: MUTATING, match: writeCall(probe), act: (_n, run, call) => (calls.push(`${call.fn} ${call.paths.map((p) => relative(probe, p)).join(' ')}`), run()) }], () => writeSites(probe, NEXT, { swap }));
    const after = image(probe);
    const staging = relative(probe, stagingOf(probe));
    const commit = calls.findIndex((c) => /^(rmSync|unlinkSync) /.test(c) && [staging, `${staging}/journal.json`].includes(c.split(' ')[1])) + 1;
    const committedBy = (k: number) => k > commit || (k === commit && calls[k - 1].startsWith('rmSync'));
    expect(commit).toBeGreaterThan(10);
    const template = oldRoot(prior);
    for (let k = 1; k <= calls.length; k += 1) {
      const where = `EIO at call ${k} of ${calls.length}: ${calls[k - 1]}`;
      const root = tmp();
      copyTree(template, root);
      const was = image(root);
      const err = caught(() => withFaults([{ fn: MUTATING, match: writeCall(root), act: fail('EIO', k) }], () => writeSites(root, NEXT, { swap })));
      expect(err, where).toBeInstanceOf(writer.OutputWriteError);
      if (committedBy(k)) {
        expect(err.message, where).toMatch(/^\/\S+: input\/output error \(EIO\)$/);
        writeSites(root, [], { swap }); // the next run removes what is left
        expect(withoutSlots(image(root)), where).toEqual(withoutSlots(after));
      } else {
        expect(err.message, where).toMatch(new RegExp(`^/\\S+: input/output error \\(EIO\\); nothing in ${root} was changed$`));
        expect(image(root), where).toEqual(was);
      }
    }
  });

  it('a run that dies after any file-system call: the next run rolls it back, or keeps it once committed', () => {
    const root = oldRoot(prior);
    const was = image(root);
    const crashes: string[] = [];
    const snapshot: Rule['act'] = (_n, run) => {
      try {
        return run();
      } finally {
        const crash = tmp();
        copyTree(root, crash);
        crashes.push(crash);
      }
    };
    withFaults([{ fn: MUTATING, match: under(root), act: snapshot }], () => writeSites(root, NEXT, { swap }));
    const after = image(root);
    let staged = false;
    expect(crashes.length).toBeGreaterThan(10);
    for (const [i, crash] of crashes.entries()) {
      const journal = existsSync(join(stagingOf(crash), 'journal.json'));
      staged ||= journal;
      const committed = staged && !journal;
      // the dead run had our pid (a lock of ours cannot be held by us) or, every other time, an exited process's
      const where = `crash after call ${i + 1} of ${crashes.length}, run of ${i % 2 === 0 ? 'our pid' : 'an exited process'}`;
      const next = i % 2 === 0 ? crash : asRunOf(dead, crash);
      writeSites(next, [], { swap });
      if (committed) expect(withoutSlots(image(next)), where).toEqual(withoutSlots(after));
      else expect(image(next), where).toEqual(was);
    }
  });
});

describe('failures during and after the swap', () => {
  it('the roll-back fails too (the file system turned read-only): both errors in one line; the next synth finishes it', () => {
    const root = oldRoot();
    const was = image(root);
    let readOnly = false;
    const act: Rule['act'] = (_n, run, call) => {
      if (call.paths[1] === join(root, 'c')) {
        readOnly = true;
        throw errno('ENOSPC', call);
      }
      if (readOnly) throw errno('EROFS', call);
      return run();
    };
    const err = caught(() => withFaults([{ fn: 'renameSync', match: under(root), act }], () => writeSites(root, NEXT)));
    // undone in the reverse order of the swap: c (nothing to undo), then b fails
    expectIo(err, `${join(root, 'c')}: no space left on device (ENOSPC); rolling back failed too (${join(root, 'b')}: read-only file system (EROFS)): the next synth into ${root} finishes it`);
    expect(readdirSync(root).sort()).toEqual([`.synth-staging.${process.pid}`, 'a', 'b']);
    writeSites(root, []);
    expect(image(root)).toEqual(was);
  });

  it('an error that is not a file-system error, whose roll-back fails: the roll-back error is thrown; the next synth finishes it', () => {
    const root = oldRoot();
    const was = image(root);
    let readOnly = false;
    const onStep = (s: WriteStep) => {
      if (s.kind === 'place' && s.path === join(root, 'c')) {
        readOnly = true;
        throw new Error('the progress display broke');
      }
    };
    const rules: Rule[] = [{ fn: 'renameSync', match: under(root), act: (_n, run, call) => (readOnly ? (() => { throw errno('EROFS', call); })() : run()) }];
    expectIo(
      caught(() => withFaults(rules, () => writeSites(root, NEXT, { onStep }))),
      `${join(root, 'c')}: read-only file system (EROFS)`,
    );
    writeSites(root, []);
    expect(image(root)).toEqual(was);
  });

  it('removing the staging folder after a successful roll-back fails: the write error is reported, the next synth clears the folder', () => {
    const root = oldRoot();
    const was = image(root);
    const rules: Rule[] = [
      { fn: 'renameSync', match: args(join(stagingOf(root), 'new', 'c'), join(root, 'c')), act: fail('ENOSPC') },
      { fn: 'rmSync', match: args(stagingOf(root)), act: fail('EBUSY') },
    ];
    expectIo(caught(() => withFaults(rules, () => writeSites(root, NEXT))), `${join(root, 'c')}: no space left on device (ENOSPC); nothing in ${root} was changed`);
    expect(readdirSync(root).sort()).toEqual([`.synth-staging.${process.pid}`, 'a', 'b']);
    writeSites(root, []);
    expect(image(root)).toEqual(was);
  });

  it('an I/O error while looking at what to roll back is an OutputWriteError naming the path', () => {
    const root = oldRoot();
    const was = image(root);
    const touched = join(stagingOf(root), 'previous', 'c.touched');
    const rules: Rule[] = [
      { fn: 'renameSync', match: args(join(stagingOf(root), 'new', 'c'), join(root, 'c')), act: fail('ENOSPC') },
      { fn: 'lstatSync', match: args(touched), act: (_n, run, call) => (existsSync(touched) ? (() => { throw errno('EIO', call); })() : run()) },
    ];
    expectIo(
      caught(() => withFaults(rules, () => writeSites(root, NEXT))),
      `${join(root, 'c')}: no space left on device (ENOSPC); rolling back failed too (${touched}: input/output error (EIO)): the next synth into ${root} finishes it`,
    );
    writeSites(root, []);
    expect(image(root)).toEqual(was);
  });

  it.each([
    ['--swap rename (back from symlink): placing the new site c fails', 'rename' as const, (root: string): { rules: Rule[]; options: WriteOptions } => ({ rules: [], options: { onStep: failStep((s) => s.kind === 'place' && s.path === join(root, 'c')) } })],
    ['--swap symlink: the slot for a cannot be claimed (mkdir EIO)', 'symlink' as const, (root: string): { rules: Rule[]; options: WriteOptions } => ({ rules: [{ fn: 'mkdirSync', match: args(join(stagingOf(root), 'slots')), act: fail('EIO') }], options: {} })],
  ])('a failed write keeps both slots of a root written twice by --swap symlink, the tree two writes old too: %s', (_what, swap, fault) => {
    const root = oldRoot(['symlink', 'symlink']);
    const was = image(root);
    expect(was['.a.v1/f0.yaml']).toBe('a old0 0\n');
    const { rules, options } = fault(root);
    const err = caught(() => withFaults(rules, () => writeSites(root, NEXT, { ...options, swap })));
    expect(err.message).toMatch(new RegExp(`; nothing in ${root} was changed$`));
    expect(image(root)).toEqual(was);
  });

  it('--swap symlink: while a failed write is rolled back, every site is visible at every instant', () => {
    const root = oldRoot(['symlink']);
    const was = image(root);
    const missing: string[] = [];
    const watch: Rule['act'] = (_n, run, call) => {
      try {
        return run();
      } finally {
        for (const site of ['a', 'b']) if (!existsSync(join(root, site))) missing.push(`${site} after ${call.fn} ${call.paths.join(' ')}`);
      }
    };
    const err = caught(() =>
      withFaults([{ fn: MUTATING, match: under(root), act: watch }], () => writeSites(root, sitesOf('new'), { swap: 'symlink', onStep: failStep((s) => s.kind === 'place' && s.path === join(root, 'b')) })),
    );
    expectIo(err, `${join(root, 'b')}: no space left on device (ENOSPC); nothing in ${root} was changed`);
    expect(missing).toEqual([]);
    expect(image(root)).toEqual(was);
  });

  it('the final removal of the staging folder fails half-way: the write stays committed and says so; the next synth keeps it', () => {
    const root = oldRoot();
    const staging = stagingOf(root);
    // rm -r stops at a folder it may not empty, after it removed the parked old tree of a
    const act: Rule['act'] = (_n, _run, call) => {
      rmSync(join(staging, 'previous', 'a'), { recursive: true });
      throw errno('EACCES', call);
    };
    const err = caught(() => withFaults([{ fn: 'rmSync', match: args(staging), act }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${staging}: permission denied (EACCES)`);
    const written = { 'a/f0.yaml': 'a new 0\n', 'b/f0.yaml': 'b new 0\n' };
    const files = () => Object.fromEntries(['a/f0.yaml', 'b/f0.yaml'].map((f) => [f, readFileSync(join(root, f), 'utf8')]));
    expect(files()).toEqual(written);
    writeSites(root, []);
    expect(files()).toEqual(written);
    expect(readdirSync(root)).toEqual(['a', 'b']);
  });

  it('the commit (deleting the journal) fails: every site rolled back, the error names the journal', () => {
    const root = oldRoot(['symlink']);
    const was = image(root);
    const journal = join(stagingOf(root), 'journal.json');
    const err = caught(() => withFaults([{ fn: ['unlinkSync', 'rmSync'], match: args(journal), act: fail('EIO') }], () => writeSites(root, NEXT, { swap: 'symlink' })));
    expectIo(err, `${journal}: input/output error (EIO); nothing in ${root} was changed`);
    expect(image(root)).toEqual(was);
  });

  it('releasing the lock fails after a complete write: an OutputWriteError naming the lock', () => {
    const root = oldRoot();
    const err = caught(() => withFaults([{ fn: 'rmSync', match: args(lockOf(root)), act: fail('EIO') }], () => writeSites(root, sitesOf('new'))));
    expectIo(err, `${lockOf(root)}: input/output error (EIO)`);
    expect(readFileSync(join(root, 'a', 'f0.yaml'), 'utf8')).toBe('a new 0\n');
  });

  it('the last step (done) fails after the trees were swapped in: the error does not claim that nothing changed', () => {
    const root = oldRoot();
    const err = caught(() => writeSites(root, sitesOf('new'), { onStep: failStep((s) => s.kind === 'done') }));
    expectIo(err, `${root}: no space left on device (ENOSPC)`);
    expect(readFileSync(join(root, 'a', 'f0.yaml'), 'utf8')).toBe('a new 0\n');
    expect(readdirSync(root)).toEqual(['a', 'b']);
  });

  it('the last step fails on a write that changed nothing (the same trees again): nothing changed, it says', () => {
    const root = oldRoot();
    const was = image(root);
    const err = caught(() => writeSites(root, sitesOf('old0'), { onStep: failStep((s) => s.kind === 'done') }));
    expectIo(err, `${root}: no space left on device (ENOSPC); nothing in ${root} was changed`);
    expect(image(root)).toEqual(was);
  });

  it('the same trees again, with slots a symlink-mode write left: the slots are deleted, which is a change', () => {
    const root = oldRoot();
    mkdirSync(join(root, '.a.v1'));
    writeFileSync(join(root, '.a.v1', 'f0.yaml'), 'a older 0\n');
    const err = caught(() => writeSites(root, sitesOf('old0'), { onStep: failStep((s) => s.kind === 'done') }));
    expectIo(err, `${root}: no space left on device (ENOSPC)`);
    expect(readdirSync(root)).toEqual(['a', 'b']);
  });

  it('a site without files is an empty folder', () => {
    const root = oldRoot();
    writeSites(root, [{ site: 'empty', files: [] }, ...sitesOf('new')]);
    expect(readdirSync(root)).toEqual(['a', 'b', 'empty']);
    expect(readdirSync(join(root, 'empty'))).toEqual([]);
  });
});

describe('the steps reported to onStep', () => {
  const stepsOf = (root: string, sites: readonly SiteFiles[], swap: SwapMode) => {
    const steps: string[] = [];
    writeSites(root, sites, { swap, onStep: (s) => steps.push(`${s.kind} ${relative(root, s.path) || '.'}`) });
    return steps;
  };
  const st = `.synth-staging.${process.pid}`;

  it('--swap rename: the lock, each file staged, staged, park and place of each site (a new site only placed), done', () => {
    const root = tmp();
    writeSites(root, sitesOf('old', ['a']));
    expect(stepsOf(root, sitesOf('new', ['a', 'c']), 'rename')).toEqual([
      'locked .synth.lock',
      `file ${st}/new/a/f0.yaml`,
      `file ${st}/new/a/sub/f1.yaml`,
      `file ${st}/new/c/f0.yaml`,
      `file ${st}/new/c/sub/f1.yaml`,
      `staged ${st}`,
      `park ${st}/previous/a`,
      'place a',
      'place c',
      'done .',
    ]);
  });

  it('--swap symlink: the new slot placed, a plain folder parked, the link placed', () => {
    const root = tmp();
    writeSites(root, sitesOf('old', ['a', 'b']));
    writeSites(root, sitesOf('old', ['b']), { swap: 'symlink' });
    expect(stepsOf(root, sitesOf('new', ['a', 'b']), 'symlink')).toEqual([
      'locked .synth.lock',
      `file ${st}/new/a/f0.yaml`,
      `file ${st}/new/a/sub/f1.yaml`,
      `file ${st}/new/b/f0.yaml`,
      `file ${st}/new/b/sub/f1.yaml`,
      `staged ${st}`,
      'place .a.v1',
      `park ${st}/previous/a`,
      'place a',
      'place .b.v2',
      'place b',
      'done .',
    ]);
  });
});

it("the swap modes (the CLI's --swap choices)", () => {
  expect(writer.SWAP_MODES).toEqual(['rename', 'symlink']);
});
