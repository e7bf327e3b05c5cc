'use strict';
/**
 * `npm run synth:fast` (and any other command: `node scripts/run-bundle.cjs validate`): runs the
 * precompiled CLI, build/bundle/main.js, after rebuilding it (`npm run build`) when it is missing or
 * a file it was built from (build/bundle/inputs.json, written by scripts/build.ts) changed since that
 * build started, so a pull or an edit never runs stale code.
 *
 * Plain JavaScript on purpose: this runs before every fast synth, and loading tsx would cost what the
 * bundle saves. The check stats ~80 files.
 */
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'build', 'bundle', 'main.js');
const INPUTS = join(ROOT, 'build', 'bundle', 'inputs.json');

/** Why the bundle must be rebuilt, or undefined when it is fresh. */
function staleReason() {
  let built;
  let inputs;
  try {
    statSync(BUNDLE);
    ({ startedMs: built, inputs } = JSON.parse(readFileSync(INPUTS, 'utf8')));
  } catch {
    return 'no bundle yet';
  }
  if (typeof built !== 'number' || !Array.isArray(inputs)) return 'build/bundle/inputs.json is from an older scripts/build.ts';
  for (const input of inputs) {
    let changed;
    try {
      changed = statSync(join(ROOT, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (changed > built) return `${input} changed`;
  }
  return undefined;
}

const reason = staleReason();
if (reason !== undefined) {
  // stderr: stdout stays the CLI's own output
  process.stderr.write(`building ${join('build', 'bundle', 'main.js')} (${reason})\n`);
  const { spawnSync } = require('node:child_process');
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
require(BUNDLE);
