import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';

/**
 * What the CLI's code sees of a few paths while a test runs it in-process. The CLI reads `sites/` and
 * `dist/` relative to the working directory, and a vitest worker thread cannot chdir
 * (ERR_WORKER_UNSUPPORTED_OPERATION), so a test that needs "a folder without sites/" or "a sites/ with
 * these files" changes what node:fs answers for those paths instead. Paths are compared resolved, so
 * `sites`, `sites/x.yaml` and `/abs/cwd/sites/x.yaml` are all the same folder.
 */
export interface FsView {
  /** `from` (relative to the working directory, or absolute) shows what is in `to`. */
  readonly redirect?: Readonly<Record<string, string>>;
  /** Paths that do not exist, with everything under them. */
  readonly hide?: readonly string[];
  /** Folders whose listing comes in reverse order (the order of readdir is the file system's, not a promise). */
  readonly reverseListing?: readonly string[];
}

const FUNCTIONS = ['existsSync', 'statSync', 'lstatSync', 'readdirSync', 'readFileSync', 'openSync'] as const;
type Patched = (typeof FUNCTIONS)[number];

const within = (path: string, root: string) => path === root || path.startsWith(root + sep);

function enoent(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${syscall} '${path}'`), { code: 'ENOENT', errno: -2, syscall, path });
}

/**
 * Runs `fn` with node:fs (the module object and, through syncBuiltinESMExports, the named imports of every
 * module of this thread) answering as `view` says; restores it afterwards, also when `fn` throws.
 */
export async function withFsView<T>(view: FsView, fn: () => T | Promise<T>): Promise<T> {
  const redirects = Object.entries(view.redirect ?? {}).map(([from, to]) => [resolve(from), resolve(to)] as const);
  const hidden = (view.hide ?? []).map((p) => resolve(p));
  const reversed = new Set((view.reverseListing ?? []).map((p) => resolve(p)));
  const original = Object.fromEntries(FUNCTIONS.map((name) => [name, fs[name]])) as { [K in Patched]: (typeof fs)[K] };
  /** The real path to use, or undefined when the path is hidden; non-string paths (fds, URLs) pass as they are. */
  const map = (path: unknown): unknown => {
    if (typeof path !== 'string') return path;
    const abs = resolve(path);
    if (hidden.some((h) => within(abs, h))) return undefined;
    const r = redirects.find(([from]) => within(abs, from));
    return r ? r[1] + abs.slice(r[0].length) : path;
  };
  const wrap =
    <K extends Exclude<Patched, 'existsSync'>>(name: K) =>
    (path: unknown, ...rest: unknown[]) => {
      const real = map(path);
      if (real === undefined) {
        if (name.startsWith('stat') || name === 'lstatSync') {
          const options = rest[0] as { throwIfNoEntry?: boolean } | undefined;
          if (options?.throwIfNoEntry === false) return undefined;
        }
        throw enoent(name.replace(/Sync$/, '').replace(/^readdir$/, 'scandir'), String(path));
      }
      const result = (original[name] as (...args: unknown[]) => unknown)(real, ...rest);
      return name === 'readdirSync' && typeof path === 'string' && reversed.has(resolve(path)) ? [...(result as unknown[])].reverse() : result;
    };
  const patched: Record<Patched, unknown> = {
    existsSync: (path: unknown) => {
      const real = map(path);
      return real !== undefined && original.existsSync(real as fs.PathLike);
    },
    statSync: wrap('statSync'),
    lstatSync: wrap('lstatSync'),
    readdirSync: wrap('readdirSync'),
    readFileSync: wrap('readFileSync'),
    openSync: wrap('openSync'),
  };
  Object.assign(fs, patched);
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    Object.assign(fs, original);
    syncBuiltinESMExports();
  }
}
