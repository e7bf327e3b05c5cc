'use strict';
/**
 * `npm run bench`'s toolkit floor: what any cdk8s generator of the example's objects must pay at least,
 * run the way the default command runs (scripts/run-bundle.cjs: one esbuild bundle, compiled with V8's
 * code cache, the same Node options). build/floor/app.js (bundled by scripts/bench.ts) loads cdk8s,
 * constructs and cdk8s-plus-30 as our charts do, puts the example's rendered objects (build/floor/objects.json,
 * one list per output file) into ApiObjects of one Chart per file, synthesises every chart with
 * `toJson()` and writes the result as one JSON file. No site config, no schema or policy checks, no
 * YAML, no other files: everything our command does beyond that is missing here, so its ratio to
 * `node -e 0` is a lower bound for any cdk8s tool rendering this site on this machine.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

const APP = join(__dirname, '..', 'build', 'floor', 'app.js');
// one cache per Node version and options, as V8 refuses a cache made under other flags
const CACHE = `${APP}.${process.version}-${process.execArgv.join('_').replace(/[^A-Za-z0-9=_-]/g, '')}.cache`;
let cachedData;
try {
  cachedData = readFileSync(CACHE);
} catch {
  // the first run makes it
}
const script = new vm.Script(Module.wrap(readFileSync(APP, 'latin1')), { filename: APP, cachedData });
if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeFileSync(CACHE, script.createCachedData()));
const appModule = new Module(APP, null);
script.runInThisContext()(appModule.exports, Module.createRequire(APP), appModule, APP, join(APP, '..'));
