// Every module of lib/ and charts/ loads on its own. In npm test this guards against a module whose
// top-level code throws or reads an import that an import cycle leaves undefined. In the mutation run it
// is what notices a "static" mutant that breaks a module's top-level code (lib/core/versions.ts computes
// DRA_MIN_VERSION when it loads): every other test file then fails while vitest collects it, which
// StrykerJS counts as no test run, not as a failure; here the import happens inside a test. The modules
// are listed with import.meta.glob, whose imports vitest sees, so StrykerJS's `related` run (the test
// files that import the mutated file) includes this file for every module.
import { describe, expect, it } from 'vitest';

// @ts-expect-error TS1470: tsc checks test files as CommonJS, where import.meta does not exist; vitest runs them as modules, and vite expands import.meta.glob
const modules: Record<string, () => Promise<unknown>> = import.meta.glob(['../lib/**/*.ts', '../charts/*.ts', '!../lib/**/*.d.ts']);
const files = Object.keys(modules).sort();

describe('every module loads', () => {
  it('finds the modules', () => {
    expect(files).toContain('../lib/core/versions.ts');
    expect(files).toContain('../charts/index.ts');
    expect(files.filter((f) => f.endsWith('.d.ts'))).toEqual([]);
  });

  it.each(files)('%s', async (file) => {
    const loaded = await modules[file]();
    expect(typeof loaded).toBe('object');
  });
});
