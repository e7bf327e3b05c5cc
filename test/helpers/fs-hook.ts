// In-process fault injection at the node:fs boundary of lib/output/writer.ts: the sibling of
// fs-fault.cjs (which a child process preloads), for tests whose assertions must run in the process that
// runs the writer (mutation testing credits only code that runs in the test's own process). A test file
// routes node:fs through `hookedFs` and imports the writer afresh, so the writer sees the wrapper even
// when another test file of the same worker (isolate: false) loaded it before:
//   vi.mock('node:fs', async (importOriginal) => (await import('./helpers/fs-hook')).hookedFs(await importOriginal()));
//   vi.resetModules();
//   const { writeSites } = await import('../lib/output/writer');
// Outside `withFaults` every call goes straight through. Inside, the first rule that matches a call acts
// instead of it (throws, or runs it with something before or after); fs calls made by a rule's own code
// are not seen by the rules. The state lives on globalThis: the module instance that vi.mock's factory
// loads after vi.resetModules() is not the one the test file imported.
import type * as Fs from 'node:fs';

type FsModule = typeof Fs;

/** The functions of node:fs that lib/output/writer.ts imports (and this file's callers use). */
export const WRAPPED = [
  'closeSync',
  'linkSync',
  'lstatSync',
  'mkdirSync',
  'openSync',
  'readdirSync',
  'readFileSync',
  'readlinkSync',
  'renameSync',
  'rmSync',
  'statSync',
  'symlinkSync',
  'unlinkSync',
  'writeFileSync',
  'writeSync',
] as const;
export type FsName = (typeof WRAPPED)[number];

/** The calls that change something (what a crash image is taken after). */
export const MUTATING: readonly FsName[] = ['mkdirSync', 'writeFileSync', 'renameSync', 'rmSync', 'unlinkSync', 'symlinkSync', 'linkSync', 'openSync', 'writeSync', 'closeSync'];

export interface FsCall {
  readonly fn: FsName;
  readonly args: readonly unknown[];
  /** The absolute paths among the arguments, in order. */
  readonly paths: readonly string[];
}

export interface Rule {
  readonly fn: FsName | readonly FsName[];
  /** Only the calls this accepts (default: every call of `fn`). */
  readonly match?: (call: FsCall) => boolean;
  /** Runs instead of the call; `n` counts this rule's matching calls from 1; `run` makes the real call. */
  readonly act: (n: number, run: () => unknown, call: FsCall) => unknown;
}

interface State {
  real?: FsModule;
  rules?: readonly Rule[];
  counts: number[];
  depth: number;
}

const state: State = ((globalThis as Record<symbol, State | undefined>)[Symbol.for('ehc.test.fs-hook')] ??= { counts: [], depth: 0 });

/** The real node:fs (the module the wrapper calls). */
export function realFs(): FsModule {
  if (!state.real) throw new Error('fs-hook: node:fs is not mocked with hookedFs');
  return state.real;
}

function dispatch(fn: FsName, args: unknown[], run: () => unknown): unknown {
  const rules = state.rules;
  if (rules === undefined || state.depth > 0) return run();
  const call: FsCall = { fn, args, paths: args.filter((a): a is string => typeof a === 'string' && a.startsWith('/')) };
  for (const [i, rule] of rules.entries()) {
    if (!(typeof rule.fn === 'string' ? rule.fn === fn : rule.fn.includes(fn))) continue;
    if (rule.match && !rule.match(call)) continue;
    state.counts[i] += 1;
    state.depth += 1;
    try {
      return rule.act(state.counts[i], run, call);
    } finally {
      state.depth -= 1;
    }
  }
  return run();
}

/** node:fs with {@link WRAPPED} going through the rules of {@link withFaults}. */
export function hookedFs(actual: FsModule): FsModule {
  state.real = actual;
  const wrapped: Record<string, unknown> = { ...actual };
  for (const fn of WRAPPED) {
    const original = actual[fn] as (...args: unknown[]) => unknown;
    wrapped[fn] = (...args: unknown[]) => dispatch(fn, args, () => original(...args));
  }
  return { ...wrapped, default: wrapped } as unknown as FsModule;
}

/** Runs `work` with `rules` acting on the file-system calls; each rule counts its calls from 1. */
export function withFaults<T>(rules: readonly Rule[], work: () => T): T {
  state.rules = rules;
  state.counts = rules.map(() => 0);
  state.depth = 0;
  try {
    return work();
  } finally {
    state.rules = undefined;
  }
}

/** An error as Node's fs gives it: `<CODE>: <what>, <syscall> '<path>'`, with code, syscall and path. */
export function errno(code: string, call: FsCall, message = `${code}: injected, ${call.fn.replace(/Sync$/, '')} '${call.paths[0] ?? ''}'`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall: call.fn.replace(/Sync$/, ''), path: call.paths[0] });
}

/** Act: the calls numbered `nths` (every matching call if none is given) fail with `code` instead of running. */
export function fail(code: string, ...nths: number[]): Rule['act'] {
  return (n, run, call) => {
    if (nths.length === 0 || nths.includes(n)) throw errno(code, call);
    return run();
  };
}

/** Act: `effect` runs just before the calls numbered `nths` (every matching call if none is given). */
export function before(effect: (n: number, call: FsCall) => void, ...nths: number[]): Rule['act'] {
  return (n, run, call) => {
    if (nths.length === 0 || nths.includes(n)) effect(n, call);
    return run();
  };
}

/** Match: the call's leading path arguments are these (a string exactly, a RegExp by test). */
export function args(...expected: readonly (string | RegExp)[]): (call: FsCall) => boolean {
  return (call) => expected.every((e, i) => call.paths[i] !== undefined && (typeof e === 'string' ? call.paths[i] === e : e.test(call.paths[i])));
}

/** Match: some path argument is `root` or below it. */
export function under(root: string): (call: FsCall) => boolean {
  return (call) => call.paths.some((p) => p === root || p.startsWith(`${root}/`));
}
