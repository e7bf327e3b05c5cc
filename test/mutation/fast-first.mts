// The mutation run's file order: the fastest test files first (the reverse of vitest's own order, which
// starts the longest). A mutant stops at its first failing test, and a "static" mutant (one that runs when
// a module loads) has to run every test file: the unit tests of charts and config, which catch most
// mutants, come before the files that start processes.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).reverse();
  }
}
