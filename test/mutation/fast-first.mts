// The mutation run's file order. A mutant stops at its first failing test, so the order decides how much of
// the covering tests a caught mutant runs:
// 1. the test files named after the mutated file first (charts/coredns.ts → test/coredns.test.ts,
//    lib/output/writer.ts → test/writer.test.ts, test/writer-cli.test.ts, …): its own reviewer-written
//    assertions, which catch most of its mutants. StrykerJS's vitest runner names the mutated file in
//    vitest's `related` setting for each mutant run;
// 2. then the fastest files first (the reverse of vitest's own order, which starts the longest): a "static"
//    mutant (one that runs when a module loads) has to run every test file, and the unit tests of charts
//    and config come before the files that start processes.
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const fastFirst = (await super.sort(files)).reverse();
    const related = this.ctx.config.related ?? [];
    const stems = related.map((file) => basename(file).replace(/\.[cm]?[jt]s$/, ''));
    const own = (spec: TestSpecification) => {
      const name = basename(spec.moduleId);
      return stems.some((stem) => name.startsWith(`${stem}.`) || name.startsWith(`${stem}-`));
    };
    return [...fastFirst.filter(own), ...fastFirst.filter((spec) => !own(spec))];
  }
}
