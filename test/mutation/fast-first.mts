// The mutation run's file order. A mutant stops at its first failing test, so the order decides how much of
// the covering tests a caught mutant runs:
// 1. the test files named after the mutated file first (charts/coredns.ts → test/coredns.test.ts,
//    lib/output/writer.ts → test/writer.test.ts, test/writer-cli.test.ts, …): its own reviewer-written
//    assertions, which catch most of its mutants. StrykerJS's vitest runner names the mutated file in
//    vitest's `related` setting for each mutant run;
// 2. then those named after its folder (lib/core/versions.ts → test/core.test.ts, lib/validate/policy/… →
//    test/policy.test.ts);
// 3. then the fastest files first (the reverse of vitest's own order, which starts the longest): a "static"
//    mutant (one that runs when a module loads) has to run every test file, and the unit tests of charts
//    and config come before the files that start processes.
import { basename, dirname } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const fastFirst = (await super.sort(files)).reverse();
    const related = this.ctx.config.related ?? [];
    const named = (stems: string[]) => (spec: TestSpecification) => {
      const name = basename(spec.moduleId);
      return stems.some((stem) => name.startsWith(`${stem}.`) || name.startsWith(`${stem}-`));
    };
    const ownFile = named(related.map((file) => basename(file).replace(/\.[cm]?[jt]s$/, '')));
    const ownFolder = named(related.map((file) => basename(dirname(file))));
    const rank = (spec: TestSpecification) => (ownFile(spec) ? 0 : ownFolder(spec) ? 1 : 2);
    // Array.prototype.sort is stable: within a rank, the fastest first still
    return fastFirst.sort((a, b) => rank(a) - rank(b));
  }
}
