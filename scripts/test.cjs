'use strict';
/**
 * `npm test`: the type-check (scripts/typecheck.cjs: tsc in build mode, which stops at once when no
 * source changed since its last check and otherwise re-checks what changed) and the unit tests, side by
 * side rather than one after the other (on a 2-core machine vitest leaves a core idle while it collects
 * tests, and tsc uses one core). tsc's report is printed after vitest's, so the two never interleave;
 * the exit code is non-zero when either fails.
 *
 *   npm test [-- <vitest arguments>]     e.g. npm test -- test/writer.test.ts
 */
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const bin = (name) => join(ROOT, 'node_modules', name);

const tsc = spawn(process.execPath, [join(__dirname, 'typecheck.cjs')], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let tscOutput = '';
tsc.stdout.on('data', (d) => (tscOutput += d));
tsc.stderr.on('data', (d) => (tscOutput += d));
const tscDone = new Promise((done) => tsc.on('close', (code) => done(code)));

const vitest = spawn(process.execPath, [bin('vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
const vitestDone = new Promise((done) => vitest.on('close', (code) => done(code)));

Promise.all([tscDone, vitestDone]).then(([tscCode, vitestCode]) => {
  if (tscCode !== 0) process.stderr.write(`\ntsc failed:\n${tscOutput}`);
  else process.stdout.write('tsc: no type errors\n');
  process.exitCode = tscCode !== 0 ? tscCode || 1 : vitestCode || 0;
});
