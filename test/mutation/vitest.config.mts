import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.mts';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`). Two differences from `npm test`:
 * - test/committed-output.test.ts is left out: it compares the whole rendered output with dist/, so it
 *   would "kill" every mutant that changes a byte without saying what is wrong.
 * - Snapshot assertions always pass (setup file below): a mutant counts as caught only when a named
 *   assertion fails, so the score measures the assertions a reviewer reads, not the safety net.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/committed-output.test.ts', 'node_modules/**'],
      setupFiles: ['test/mutation/no-snapshots.ts'],
    },
  }),
);
