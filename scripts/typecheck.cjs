'use strict';
/**
 * `npm run typecheck` (and the type-check half of `npm test`): tsc in build mode over tsconfig.json,
 * which is incremental with its build info in node_modules/.cache (outside the sources, removed by
 * `npm ci`). Build mode first compares the sources' times with the build info's and stops there when
 * nothing changed (~0.2 s instead of re-reading every declaration file, ~4 s of CPU); after an edit it
 * re-checks what the edit touched, and a program with errors reports them again on every run.
 *
 * That up-to-date check looks at our sources only, not at node_modules: when npm's record of the
 * installed tree (or the lock file) is newer than the build info, the build info is dropped first, so a
 * dependency upgrade is always checked in full.
 */
const { spawnSync } = require('node:child_process');
const { rmSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
/** tsconfig.json's tsBuildInfoFile. */
const BUILD_INFO = join(ROOT, 'node_modules', '.cache', 'eks-hybrid-charts', 'tsc.tsbuildinfo');
const INSTALLED = ['package-lock.json', 'node_modules/.package-lock.json', 'package.json'].map((f) => join(ROOT, f));

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

const checked = mtime(BUILD_INFO);
if (checked !== undefined && INSTALLED.some((f) => (mtime(f) ?? Infinity) > checked)) rmSync(BUILD_INFO, { force: true });
const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
process.exitCode = r.status ?? 1;
