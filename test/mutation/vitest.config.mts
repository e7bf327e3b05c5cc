import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.mts';
import { FastFirstSequencer } from './fast-first.mts';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`). Four differences from `npm test`:
 * - test/committed-output.test.ts is left out: it compares the whole rendered output with dist/, so it
 *   would "kill" every mutant that changes a byte without saying what is wrong.
 * - Snapshot assertions always pass (setup file below): a mutant counts as caught only when a named
 *   assertion fails, so the score measures the assertions a reviewer reads, not the safety net.
 * - Each test file imports our sources afresh (the setup file's vi.resetModules(); node_modules stay
 *   loaded, which `isolate: true` would reload for every file at three times the cost). A "static"
 *   mutant (in code a module runs when it is loaded, such as a constant) is switched on before the file
 *   imports; with the sources shared between files it would never run and would be reported as surviving
 *   a test that fails on it by hand (seen on lib/site/semantic.ts's DNS_SUBDOMAIN: with the reset, 13 of
 *   13 killed, as with isolate).
 * - The fastest files first (fast-first.mts): a mutant stops at its first failing test, and a static
 *   mutant runs every file.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/committed-output.test.ts', 'node_modules/**'],
      setupFiles: ['test/mutation/no-snapshots.ts'],
      sequence: { sequencer: FastFirstSequencer },
    },
  }),
);
