import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import type { OutputFile } from '../render/render';

/**
 * How `<out>/<site>` is replaced (README, "How a write replaces `<out>/<site>/`"):
 * - `rename` (default): `<out>/<site>` is a plain folder, swapped in with two renames; between them
 *   (two system calls) the name is briefly missing. Plain files, what a committed dist/ needs.
 * - `symlink`: `<out>/<site>` is a symbolic link to `<out>/.<site>.v1` or `.v2`, flipped by renaming a
 *   new link over it; the old or the new tree is visible at every instant, even across a crash.
 */
export type SwapMode = 'rename' | 'symlink';
export const SWAP_MODES: readonly SwapMode[] = ['rename', 'symlink'];

/** One step of a write, reported to {@link WriteOptions.onStep} after it happened. */
export interface WriteStep {
  readonly kind: 'locked' | 'file' | 'staged' | 'park' | 'place' | 'done';
  /** The path the step wrote or renamed. */
  readonly path: string;
}

export interface WriteOptions {
  readonly swap?: SwapMode;
  /** Called after each file is written into the staging directory (progress, fault-injection tests). */
  readonly onFileWritten?: (path: string) => void;
  /** Called after every step that changes the output root (fault injection: throw, or kill the process). */
  readonly onStep?: (step: WriteStep) => void;
}

export interface SiteFiles {
  readonly site: string;
  readonly files: readonly OutputFile[];
}

/** Why errno codes happen, in words; the code itself follows in parentheses. */
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

/**
 * The output could not be written (a file-system error, or another synth holds the output root's lock).
 * The CLI prints the message, one line naming the path, and exits {@link EXIT_OUTPUT}.
 */
export class OutputWriteError extends Error {
  constructor(
    message: string,
    /** `busy`: another synth holds the lock. */
    readonly kind: 'io' | 'busy' = 'io',
  ) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

/** Exit code of the CLI for an {@link OutputWriteError}. */
export const EXIT_OUTPUT = 3;

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** `<path>: <reason> (<CODE>)`, for an errno error hit at `path`. */
function describe(path: string, err: NodeJS.ErrnoException): string {
  // Stryker disable next-line StringLiteral: equivalent, only called with an isErrno error, whose code is a string
  const code = err.code ?? 'EIO';
  return `${path}: ${REASONS[code] ?? err.message.split('\n')[0]} (${code})`;
}

/** Runs a file-system operation on `path`; an errno error becomes an {@link OutputWriteError} naming the path. */
function at<T>(path: string, operation: () => T): T {
  try {
    return operation();
  } catch (err) {
    if (err instanceof OutputWriteError || !isErrno(err)) throw err;
    throw new OutputWriteError(describe(path, err));
  }
}

/** lstat, or undefined where nothing is; another error is an {@link OutputWriteError} naming the path. */
function lstatOrUndefined(path: string) {
  return at(path, () => {
    try {
      return lstatSync(path);
    } catch (err) {
      if (isErrno(err) && err.code === 'ENOENT') return undefined;
      throw err;
    }
  });
}

/**
 * `mkdir -p` that fails instead of looping: Node's recursive mkdirSync spins forever on a path such as
 * /proc/x, where mkdir says ENOENT although the parent exists.
 */
function makeDirs(dir: string): void {
  try {
    mkdirSync(dir);
    return;
  } catch (err) {
    // Stryker disable next-line ConditionalExpression: equivalent, a non-errno error has no code, so it is neither EEXIST nor ENOENT and is rethrown below
    if (!isErrno(err)) throw err;
    if (err.code === 'EEXIST') {
      // Stryker disable next-line StringLiteral: equivalent, the message is never shown: at() reports the code's reason text
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${dir}`), { code: 'ENOTDIR' });
      return;
    }
    if (err.code !== 'ENOENT' || dirname(dir) === dir) throw err;
  }
  makeDirs(dirname(dir));
  try {
    mkdirSync(dir);
  } catch (err) {
    if (!(isErrno(err) && err.code === 'EEXIST' && statSync(dir).isDirectory())) throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// The lock: one writer per output root at a time.

const LOCK = '.synth.lock';
const STAGING = '.synth-staging.';

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  if (pid === process.pid) return false; // not us: we do not hold the lock we are looking at
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !(isErrno(err) && err.code === 'ESRCH');
  }
}

/** What a lock file says: `<pid> <host>` (a lock written before the host was recorded has the pid only). */
interface Holder {
  readonly pid: number;
  readonly host?: string;
}

function lockHolder(path: string): Holder | undefined {
  const match = /^([1-9][0-9]*)(?: (\S+))?$/.exec(readFileSync(path, 'utf8').trim());
  return match ? { pid: Number(match[1]), host: match[2] } : undefined;
}

/** A lock of another machine (an output root on a shared file system) cannot be checked: it counts as live. */
function holderAlive(holder: Holder): boolean {
  return (holder.host !== undefined && holder.host !== hostname()) || alive(holder.pid);
}

const LOCK_CONTENT = () => `${process.pid} ${hostname()}\n`;

function busy(root: string, holder: Holder | undefined): OutputWriteError {
  const who = holder === undefined ? 'pid unknown' : `pid ${holder.pid}${holder.host !== undefined && holder.host !== hostname() ? ` on ${holder.host}` : ''}`;
  return new OutputWriteError(
    `${root}: another synth is writing ${root} (${who}); if none is running, delete ${join(root, LOCK)}`,
    'busy',
  );
}

/**
 * Creates the lock file with our pid in it, or returns false when it exists. The pid goes into a file of
 * our own first, hard-linked to the lock's name (atomic and exclusive like O_EXCL, and the lock is never
 * seen empty, even when we are killed right after); where hard links are not supported, O_EXCL.
 */
function createLock(path: string): boolean {
  const own = `${path}.${process.pid}`;
  writeFileSync(own, LOCK_CONTENT());
  try {
    linkSync(own, path);
    return true;
  } catch (err) {
    // Stryker disable next-line ConditionalExpression: equivalent, a non-errno error has no code, so it is not EEXIST and not in the list below, and is rethrown
    if (!isErrno(err)) throw err;
    if (err.code === 'EEXIST') return false;
    // Stryker disable next-line StringLiteral: equivalent, the code of an isErrno error is a string
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(err.code ?? '')) throw err;
  } finally {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, our own temporary file was written just above and nobody else removes it
    rmSync(own, { force: true });
  }
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, LOCK_CONTENT());
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if (isErrno(err) && err.code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Takes `<root>/.synth.lock` (created with O_EXCL, holding our pid). A lock whose process is gone is
 * stale and taken over; a live holder is an error naming its pid. Never waits.
 */
function acquireLock(root: string): string {
  const path = join(root, LOCK);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (createLock(path)) return path;
    let holder: Holder | undefined;
    try {
      holder = lockHolder(path);
    } catch (err) {
      if (isErrno(err) && err.code === 'ENOENT') continue; // released just now
      throw err;
    }
    if (holder === undefined) {
      // created but not written yet by its holder, or garbage: give a fresh one the benefit of the doubt
      const age = Date.now() - (lstatOrUndefined(path)?.mtimeMs ?? 0);
      if (age < 10_000) throw busy(root, undefined);
    } else if (holderAlive(holder)) {
      throw busy(root, holder);
    }
    // Stale: move it aside under our own name (atomic, so one of several racing takers wins), then check
    // that what we moved is the stale lock and not a fresh one taken in between; put a fresh one back.
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if (isErrno(err) && err.code === 'ENOENT') continue;
      throw err;
    }
    const moved = lockHolder(aside);
    if (moved !== undefined && moved.pid !== holder?.pid && holderAlive(moved)) {
      // put it back unless a third process took the lock meanwhile (link, unlike rename, never replaces)
      try {
        linkSync(aside, path);
      } catch (err) {
        if (!(isErrno(err) && err.code === 'EEXIST')) throw err;
      } finally {
        // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, the aside file was just created by our rename and we hold it
        rmSync(aside, { force: true });
      }
      throw busy(root, moved);
    }
    unlinkSync(aside);
  }
  throw busy(root, undefined);
}

function releaseLock(path: string): void {
  at(path, () => rmSync(path, { force: true }));
}

// ---------------------------------------------------------------------------------------------------
// Staging, swap and roll-back. Everything of one run lives in <root>/.synth-staging.<pid>/:
//   new/<site>/          the staged trees
//   journal.json         written once every tree is staged: the swap may have begun; deleted once every
//                        site is swapped in: the commit, after which nothing is rolled back
//   previous/<site>      the entry <root>/<site> had before (folder, or a copy of the symlink)
//   previous/<site>.none the site did not exist before
//   previous/<site>.touched  the swap of this site has begun
//   slots/.<site>.vN     symlink mode: the tree of the slot claimed for the new tree
//   slots/.<site>.vN.none  symlink mode: the claimed slot was empty
//   trash/               what is deleted with the staging folder

const slotNames = (site: string) => [`.${site}.v1`, `.${site}.v2`];

/** Removes `<root>/<name>` by moving it into the trash first (one rename, then a delete nobody sees). */
function discard(root: string, staging: string, name: string): void {
  // Stryker disable next-line StringLiteral: equivalent, trash as the staging folder itself: numbered names never clash with new/ or previous/, and the staging folder is removed as a whole
  const trash = join(staging, 'trash');
  at(trash, () => mkdirSync(trash, { recursive: true }));
  const to = join(trash, `${at(trash, () => readdirSync(trash)).length}-${name}`);
  at(join(root, name), () => renameSync(join(root, name), to));
}

/** Puts every site of an interrupted or failed run back as it was before the run; sites it never touched stay. */
function rollBack(root: string, staging: string, sites: readonly string[]): void {
  for (const site of [...sites].reverse()) {
    const target = join(root, site);
    const previous = join(staging, 'previous', site);
    if (!lstatOrUndefined(`${previous}.touched`)) continue;
    const current = lstatOrUndefined(target);
    const before = lstatOrUndefined(previous);
    if (lstatOrUndefined(`${previous}.none`)) {
      if (current) discard(root, staging, site);
    } else if (before) {
      // a link replaces a link in one rename; anything else has to leave the name first
      if (current && !(current.isSymbolicLink() && before.isSymbolicLink())) discard(root, staging, site);
      at(target, () => renameSync(previous, target));
    }
    // symlink mode: the slot claimed for the new tree (see swapIn) is emptied, what was in it comes back;
    // a slot not claimed yet still holds its tree
    for (const slot of slotNames(site)) {
      const kept = join(staging, 'slots', slot);
      const keptTree = lstatOrUndefined(kept);
      const claimed = keptTree ?? lstatOrUndefined(`${kept}.none`);
      if (claimed && lstatOrUndefined(join(root, slot))) discard(root, staging, slot);
      if (keptTree) at(join(root, slot), () => renameSync(kept, join(root, slot)));
    }
  }
}

function readJournal(staging: string): string[] | undefined {
  let sites: string[] | undefined;
  try {
    sites = (JSON.parse(readFileSync(join(staging, 'journal.json'), 'utf8')) as { sites: string[] }).sites;
  } catch {
    // none (the run died before its swap, or after its commit) or half written (died writing it, before
    // its swap): nothing to put back
  }
  return sites;
}

/**
 * Undoes the runs of processes that died while writing (killed, power cut): their staging folders are
 * rolled back and removed. A staging folder of a live process is never touched.
 */
function recover(root: string): void {
  for (const name of at(root, () => readdirSync(root))) {
    const lockTemp = /^\.synth\.lock\.(?:stale\.)?([0-9]+)$/.exec(name);
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, the file was just listed and we hold the lock: nobody else removes it
    if (lockTemp && !alive(Number(lockTemp[1]))) at(join(root, name), () => rmSync(join(root, name), { force: true }));
    if (!name.startsWith(STAGING)) continue;
    const pid = Number(name.slice(STAGING.length));
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    const staging = join(root, name);
    const sites = readJournal(staging);
    if (sites) rollBack(root, staging, sites);
    // Stryker disable next-line BooleanLiteral: equivalent, the folder was just listed and we hold the lock
    at(staging, () => rmSync(staging, { recursive: true, force: true }));
  }
}

/** Moves one staged site into place; see {@link SwapMode}. */
function swapIn(root: string, staging: string, site: string, mode: SwapMode, step: (kind: WriteStep['kind'], path: string) => void): void {
  const target = join(root, site);
  const staged = join(staging, 'new', site);
  const previous = join(staging, 'previous', site);
  const current = lstatOrUndefined(target);
  // Stryker disable next-line StringLiteral: equivalent, only the marker's existence is read
  at(previous, () => writeFileSync(`${previous}.touched`, ''));
  // Stryker disable next-line StringLiteral: equivalent, only the marker's existence is read
  if (!current) at(previous, () => writeFileSync(`${previous}.none`, ''));
  if (mode === 'rename') {
    if (current) {
      at(target, () => renameSync(target, previous));
      step('park', previous);
    }
    at(target, () => renameSync(staged, target));
    step('place', target);
    return;
  }
  // symlink: the new tree goes into the slot the link does not point at, then the link is flipped
  const [v1, v2] = slotNames(site);
  const pointsAt = current?.isSymbolicLink() ? at(target, () => readlinkSync(target)) : undefined;
  const slot = pointsAt === v1 ? v2 : v1;
  // the slot is claimed before it takes the new tree: its tree (two writes old, nobody sees it) kept until
  // the end for a roll-back, or a mark that it was empty; a roll-back empties only a claimed slot
  const kept = join(staging, 'slots', slot);
  at(kept, () => mkdirSync(dirname(kept), { recursive: true }));
  if (lstatOrUndefined(join(root, slot))) at(join(root, slot), () => renameSync(join(root, slot), kept));
  else {
    // Stryker disable next-line StringLiteral: equivalent, only the marker's existence is read
    at(kept, () => writeFileSync(`${kept}.none`, ''));
  }
  at(join(root, slot), () => renameSync(staged, join(root, slot)));
  step('place', join(root, slot));
  const link = join(staging, `link-${site}`);
  at(link, () => symlinkSync(slot, link));
  if (pointsAt !== undefined) {
    at(previous, () => symlinkSync(pointsAt, previous));
  } else if (current) {
    // a plain folder from a rename-mode write: this one switch has the rename swap's window
    at(target, () => renameSync(target, previous));
    step('park', previous);
  }
  at(target, () => renameSync(link, target));
  step('place', target);
}

/**
 * Writes several sites' files to `<outRoot>/<site>/`, all or nothing: every site is staged first, then
 * all are swapped in; an error at any point puts every site back as it was and throws. One writer per
 * output root at a time (a lock file); a run killed half-way is rolled back by the next one. File-system
 * errors are thrown as {@link OutputWriteError}: one line naming the path.
 */
export function writeSites(outRoot: string, sites: readonly SiteFiles[], options: WriteOptions = {}): void {
  checkPaths(sites);
  const root = resolve(outRoot);
  // false until the write is committed (its staging folder removed) or a roll-back failed
  // Stryker disable next-line ObjectLiteral: equivalent, an absent changed is as falsy as false
  const state = { changed: false };
  try {
    at(root, () => makeDirs(root));
    const lock = at(join(root, LOCK), () => acquireLock(root));
    try {
      writeLocked(root, sites, options, state);
    } finally {
      releaseLock(lock);
    }
  } catch (err) {
    if (state.changed || !(err instanceof OutputWriteError) || err.kind === 'busy') throw err;
    throw new OutputWriteError(`${err.message}; nothing in ${root} was changed`);
  }
}

/**
 * Every site must be one plain folder name and every file a relative path inside it, so nothing is ever
 * written outside `<root>/<site>/` or into the writer's own dot-named entries. Our callers build these
 * names, so a violation is a programming error (a plain Error), raised before anything is touched.
 */
function checkPaths(sites: readonly SiteFiles[]): void {
  for (const { site, files } of sites) {
    if (!/^[^./][^/]*$/.test(site)) throw new Error(`writeSites: site ${JSON.stringify(site)} is not a plain folder name`);
    for (const { path } of files) {
      if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
        throw new Error(`writeSites: ${site}: file ${JSON.stringify(path)} is not a relative path inside the site folder`);
      }
    }
  }
}

/** The write itself, under the lock; `state.changed` is set once something stays changed. */
function writeLocked(root: string, allSites: readonly SiteFiles[], options: WriteOptions, state: { changed: boolean }): void {
  const mode = options.swap ?? 'rename';
  const step = (kind: WriteStep['kind'], path: string) => at(path, () => options.onStep?.({ kind, path }));
  step('locked', join(root, LOCK));
  recover(root);
  // A site whose folder already holds exactly its files is left alone (see holdsExactly): rewriting it
  // would only churn the folder; symlink mode always writes (each write flips the link)
  const sites = mode === 'rename' ? allSites.filter(({ site, files }) => !holdsExactly(join(root, site), files)) : allSites;
  if (sites.length > 0) {
    stageAndSwap(root, sites, mode, options, step, state);
    state.changed = true;
  }
  // rename mode after a symlink-mode write: the slots are no longer referenced
  if (mode === 'rename') {
    for (const { site } of allSites) {
      for (const slot of slotNames(site)) {
        const path = join(root, slot);
        if (!lstatOrUndefined(path)) continue;
        state.changed = true;
        // Stryker disable next-line BooleanLiteral: equivalent, the slot was found by lstat just above and we hold the lock
        at(path, () => rmSync(path, { recursive: true, force: true }));
      }
    }
  }
  step('done', root);
}

/** Stages every site's tree, then swaps them in; on an error everything is put back and the error thrown. */
function stageAndSwap(
  root: string,
  sites: readonly SiteFiles[],
  mode: SwapMode,
  options: WriteOptions,
  step: (kind: WriteStep['kind'], path: string) => void,
  state: { changed: boolean },
): void {
  const staging = join(root, `${STAGING}${process.pid}`);
  // Not mkdtemp: its folder is private (0700) and would become dist/<site> with that mode, locking out
  // the other users and tools that read a GitOps checkout. mkdir applies the usual umask.
  at(staging, () => mkdirSync(join(staging, 'previous'), { recursive: true }));
  // Stryker disable next-line BooleanLiteral: equivalent, a roll-back before any swap finds no .touched marker and puts nothing back
  let swapping = false;
  try {
    for (const { site, files } of sites) {
      const dir = join(staging, 'new', site);
      at(dir, () => mkdirSync(dir, { recursive: true }));
      for (const file of files) {
        const path = join(dir, file.path);
        at(path, () => {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, file.content);
        });
        options.onFileWritten?.(file.path);
        step('file', path);
      }
    }
    at(join(staging, 'journal.json'), () => writeFileSync(join(staging, 'journal.json'), `${JSON.stringify({ sites: sites.map((s) => s.site) })}\n`));
    step('staged', staging);
    swapping = true;
    for (const { site } of sites) swapIn(root, staging, site, mode, step);
    // the commit: a staging folder without its journal is only removed, by this run or the next
    at(join(staging, 'journal.json'), () => unlinkSync(join(staging, 'journal.json')));
  } catch (err) {
    // Stryker disable next-line ConditionalExpression: equivalent, a roll-back before any swap finds no .touched marker and puts nothing back
    if (swapping) {
      try {
        rollBack(root, staging, sites.map((s) => s.site));
      } catch (undo) {
        // the original error is what the user needs; the staging folder stays and the next run finishes
        // the roll-back
        state.changed = true;
        if (!(undo instanceof OutputWriteError) || !(err instanceof OutputWriteError)) throw undo;
        throw new OutputWriteError(`${err.message}; rolling back failed too (${undo.message}): the next synth into ${root} finishes it`);
      }
    }
    try {
      // Stryker disable next-line BooleanLiteral: equivalent, the staging folder was made before the try
      rmSync(staging, { recursive: true, force: true });
    } catch {
      // the error of the write is what the user needs; the next synth rolls back again (nothing left to
      // put back) and removes the folder
    }
    throw err;
  }
  state.changed = true;
  // Stryker disable next-line BooleanLiteral: equivalent, the staging folder was made before the try and we hold the lock
  at(staging, () => rmSync(staging, { recursive: true, force: true }));
}

/**
 * Whether `dir` already holds exactly `files`: a plain folder (not a symlink-mode link), the same file
 * paths and no other entry (file, folder or link), and the same bytes. Reading the files costs far less
 * than staging, swapping and deleting a tree (about 60 changes to folders), and an unchanged site keeps
 * its files untouched, as a build tool leaves an up-to-date target. Anything unreadable counts as
 * different: the write then runs and reports the problem as usual.
 */
function holdsExactly(dir: string, files: readonly OutputFile[]): boolean {
  const wanted = new Map(files.map((f) => [f.path, f.content]));
  const folders = new Set<string>();
  // paths are relative (checkPaths), so dirname ends at "."
  for (const { path } of files) for (let d = posix.dirname(path); d !== '.'; d = posix.dirname(d)) folders.add(d);
  let found = 0;
  const sameTree = (relative: string): boolean => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!folders.has(path) || !sameTree(path)) return false;
      } else {
        const content = wanted.get(path);
        // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, Buffer.from(undefined) throws and the catch below gives false as well; an empty encoding means utf8
        if (!entry.isFile() || content === undefined || !readFileSync(join(dir, path)).equals(Buffer.from(content, 'utf8'))) return false;
        found += 1;
      }
    }
    return true;
  };
  let same = false;
  try {
    same = lstatSync(dir).isDirectory() && sameTree('') && found === wanted.size;
  } catch {
    // unreadable: different
  }
  return same;
}

/** {@link writeSites} for one site. */
export function writeSiteFiles(outRoot: string, site: string, files: readonly OutputFile[], options: WriteOptions = {}): void {
  writeSites(outRoot, [{ site, files }], options);
}
