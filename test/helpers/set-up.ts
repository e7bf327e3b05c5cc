import { beforeAll, beforeEach } from 'vitest';

/**
 * Computes what the tests of a file or describe block share (a rendered site, a chart's objects) before
 * they run, never while the file is collected. `npm test` computes it once (beforeAll). The mutation run
 * (test/mutation/vitest.config.mts) computes it before each test (beforeEach): StrykerJS then credits the
 * code it runs to each test that reads it, and for a mutant in that code runs only those tests. Computed
 * while collecting (or in beforeAll), the code would count as "static" and every mutant in it would
 * re-run every test file.
 */
export function setUp(compute: () => void | Promise<void>): void {
  if ((globalThis as { __EHC_MUTATION_RUN__?: boolean }).__EHC_MUTATION_RUN__) beforeEach(compute);
  else beforeAll(compute);
}
