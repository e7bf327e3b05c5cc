'use strict';
/**
 * What every `npm run <command>` of the CLI runs (`npm run synth`, validate, diff, cost, …; cdk8s.yaml's
 * app too): `node scripts/run-bundle.cjs <command> [flags]` runs the precompiled CLI, build/bundle/main.js,
 * with the same arguments, output and exit code as `node --import tsx main.ts <command> [flags]`.
 *
 * The bundle is rebuilt (`npm run build`) when it is missing or a file it was built from
 * (build/bundle/inputs.json, written by scripts/build.ts) changed since that build started, so a pull
 * or an edit never runs stale code.
 *
 * Start-up: the bundle is compiled with V8's code cache (build/bundle/main.js.<key>.cache), made after
 * the first synth of a build so it holds every function that run compiled (a run of another command
 * first makes a partial one, completed by the next synth); later runs skip parsing and compiling the
 * 3 MB bundle. The key names the build, the Node version and architecture and the Node options,
 * because V8 checks only the source's length before it trusts a cache (and refuses one made under other
 * flags). Node 20's user-land startup snapshots (--build-snapshot) were not used: node refuses to start
 * when the blob named on its command line is missing (a fresh clone has none), and they cannot hold
 * cdk8s's module state reliably; the code cache already removes the compile.
 *
 * Heap: package.json's commands (and cdk8s.yaml's app) start Node with a 32 MB young generation
 * (`--max-semi-space-size=32 --min-semi-space-size=32`, the same flags on every line). Node's default
 * starts at 1 MB and grows, so what a synth allocates (the Kubernetes schema, the parsed site, the
 * rendered objects) went through seven scavenges and a full mark-compact (`--trace-gc`), copying the
 * long-lived schema on the way: 13–18 ms of collector time in CPU profiles, plus ~12 ms of waiting for
 * its helper threads. With the flags, no collection at all; peak RSS grows by ~4 MB (only pages the run
 * touches count).
 *
 * Plain JavaScript on purpose: this runs before every command, and loading tsx would cost what the
 * bundle saves. The check stats ~80 files.
 */
const { readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'build', 'bundle', 'main.js');
const INPUTS = join(ROOT, 'build', 'bundle', 'inputs.json');

/** The build's start time (its identity), and why the bundle must be rebuilt, or undefined when it is fresh. */
function freshness() {
  let built;
  let inputs;
  try {
    statSync(BUNDLE);
    ({ startedMs: built, inputs } = JSON.parse(readFileSync(INPUTS, 'utf8')));
  } catch {
    return { reason: 'no bundle yet' };
  }
  if (typeof built !== 'number' || !Array.isArray(inputs)) return { reason: 'build/bundle/inputs.json is from an older scripts/build.ts' };
  for (const input of inputs) {
    let changed;
    try {
      changed = statSync(join(ROOT, input)).mtimeMs;
    } catch {
      return { reason: `${input} is gone` };
    }
    if (changed > built) return { reason: `${input} changed` };
  }
  return { built };
}

/** The start time recorded by the build that just ran (its files are fresh by construction). */
function builtAt() {
  return JSON.parse(readFileSync(INPUTS, 'utf8')).startedMs;
}

/** Written under a temporary name and renamed, so a run in parallel never reads half a file. */
function writeAtomically(file, data) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

/**
 * A code cache holds the functions its run compiled: one made by `--version` or `validate` lacks most of
 * what a synth runs, and every later synth would compile those again (about 30 ms). So a cache made by
 * any other command is kept as `<key>.partial.cache`, used until a synth (the default command, which
 * runs nearly every function the others do) replaces it with the complete `<key>.cache`.
 */
const RENDERS = process.argv[2] === undefined || process.argv[2] === 'synth';

/**
 * V8 refuses a code cache made under other V8 flags (package.json's commands pass heap flags, a plain
 * `node scripts/run-bundle.cjs` passes none): each set of Node options gets its own cache file, so
 * runs with and without them do not keep replacing each other's. FNV-1a of the options, in hex.
 */
function optionsTag() {
  if (process.execArgv.length === 0) return '';
  let hash = 0x811c9dc5;
  for (const c of process.execArgv.join(' ')) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `-${hash.toString(16).padStart(8, '0')}`;
}

/** Runs the bundle as Node would run it as the main module, compiled with (or making) the code cache. */
function runBundle(built) {
  const key = `${BUNDLE}.${built}-${process.version}-${process.arch}${optionsTag()}`;
  const complete = `${key}.cache`;
  const partial = `${key}.partial.cache`;
  let cachedData;
  let cacheFile = complete;
  try {
    cachedData = readFileSync(complete);
  } catch {
    cacheFile = partial;
    try {
      cachedData = readFileSync(partial);
    } catch {
      // no cache yet: this run makes it
    }
  }
  // Module.wrap keeps line numbers: a stack trace of a bug points at the bundle's real lines
  // scripts/build.ts writes the bundle in ASCII: Latin-1 reads it faster than UTF-8, to the same text
  const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'latin1')), { filename: BUNDLE, cachedData });
  let target; // the cache file this run writes, if any
  if (cachedData === undefined) target = RENDERS ? complete : partial; // none yet: this run makes one
  else if (script.cachedDataRejected) target = cacheFile; // damaged, or another V8: replaced where it lies
  else if (cacheFile === partial && RENDERS) target = complete; // a synth completes a partial one
  if (target !== undefined) {
    process.once('exit', () => {
      try {
        writeAtomically(target, script.createCachedData());
        if (target === complete) rmSync(partial, { force: true });
      } catch {
        // a read-only checkout runs without a cache
      }
    });
  }
  const module = new Module(BUNDLE, null);
  module.filename = BUNDLE;
  module.paths = Module._nodeModulePaths(dirname(BUNDLE));
  script.runInThisContext()(module.exports, Module.createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
}

const state = freshness();
let built = state.built;
if (state.reason !== undefined) {
  // stderr: stdout stays the CLI's own output
  process.stderr.write(`building ${join('build', 'bundle', 'main.js')} (${state.reason})\n`);
  const { spawnSync } = require('node:child_process');
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
  built = builtAt();
}
runBundle(built);
