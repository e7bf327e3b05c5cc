import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.mts';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`). Three differences from `npm test`:
 * - test/committed-output.test.ts is left out: it compares the whole rendered output with dist/, so it
 *   would "kill" every mutant that changes a byte without saying what is wrong.
 * - Snapshot assertions always pass (setup file below): a mutant counts as caught only when a named
 *   assertion fails, so the score measures the assertions a reviewer reads, not the safety net.
 * - Each test file gets fresh modules (isolate). A "static" mutant (in code a module runs when it is
 *   loaded, such as a regular expression constant) is switched on before the modules load; with modules
 *   shared between runs, as `npm test` shares them, the mutant's code would never run and it would be
 *   reported as surviving a test that fails on it by hand (seen on lib/config/semantic.ts's DNS_SUBDOMAIN).
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/committed-output.test.ts', 'node_modules/**'],
      setupFiles: ['test/mutation/no-snapshots.ts'],
      isolate: true,
    },
  }),
);
