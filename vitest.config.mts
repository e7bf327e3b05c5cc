import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/helpers/slow-first.mts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // one temporary folder per run, removed at its end (test/helpers/temp-root.ts)
    globalSetup: ['test/helpers/temp-root.ts'],
    // vitest's default on a 2-core machine is one worker (cores − 1): the second core would idle
    // while most test files wait on child processes (tsx, npm, cdk8s) or on files.
    maxWorkers: 2,
    // worker threads, not forked processes: a thread starts and loads modules for less CPU than a
    // process (about 6 s of the suite's 64 s), and no test needs a process of its own (none calls
    // process.chdir, which a thread may not; child processes are spawned as usual).
    pool: 'threads',
    // Test files share their worker's modules instead of loading cdk8s, the charts and the schemas
    // again for each file (that loading was a third of the suite's time). No test depends on fresh
    // module state: the one that swaps a module (site-validator.test.ts) resets the registry after itself.
    isolate: false,
    // the files that spawn many processes first, so none of them runs alone at the end (test/helpers/slow-first.mts)
    sequence: { sequencer: SlowFirstSequencer },
    // 2-core CI machines: rendering a site per test is fast, but give slow machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
