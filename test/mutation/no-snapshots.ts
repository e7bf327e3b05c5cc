import { beforeAll, beforeEach, expect, vi } from 'vitest';

// Loaded only by test/mutation/vitest.config.mts, after StrykerJS's own setup file.

// Each test file imports our sources afresh (node_modules stay loaded): a "static" mutant, in code a
// module runs when it is loaded (a constant's value), takes effect in every file that imports it. With
// modules shared between files it would never run and would be reported surviving tests that fail on it.
vi.resetModules();

// test/helpers/set-up.ts: what tests share is computed before each test, so coverage is credited per test.
(globalThis as { __EHC_MUTATION_RUN__?: boolean }).__EHC_MUTATION_RUN__ = true;

// Snapshot matchers pass without comparing, so mutation testing credits named assertions only.
const pass = () => ({ pass: true, message: () => 'snapshot assertions are not counted in mutation testing' });
expect.extend({ toMatchSnapshot: pass, toMatchInlineSnapshot: pass, toMatchFileSnapshot: pass });

// Child processes a test starts (the CLI bundle, tsx, cdk8s) run the same mutant as the test: the
// instrumented code reads the active mutant from this variable when its global is not set. Without it a
// test comparing a child's output with an in-process render would compare mutant with original.
const ENV = '__STRYKER_ACTIVE_MUTANT__';
const propagate = () => {
  const active = (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__?.activeMutant;
  if (active === undefined) delete process.env[ENV];
  else process.env[ENV] = String(active);
};
beforeAll(propagate);
beforeEach(propagate);
