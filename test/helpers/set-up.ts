import { beforeAll, beforeEach, it } from 'vitest';

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

/**
 * A test that a generated file (the precompiled validator, docs/, an editor schema) is what its generator
 * makes from the current source. The mutation run skips it: it fails on every mutant that changes the
 * source, whatever the mutant does, so it would count as catching careless changes it names nothing about
 * (like test/committed-output.test.ts, which that run leaves out). `npm test` runs it as `it`.
 */
export const freshnessIt = it.skipIf((globalThis as { __EHC_MUTATION_RUN__?: boolean }).__EHC_MUTATION_RUN__ === true);
