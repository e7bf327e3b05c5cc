// vitest's order on a fresh clone (CI, or after `npm ci`, which removes vitest's cache of durations) is
// the largest file first, which starts the files that spawn many processes or sleep in them
// (writer-concurrency, fast-path) last: near the end of the run a single file kept one core busy while
// the other idled. These files start first instead, longest first, as measured; every other file
// follows in vitest's own order (by its last duration when known, else by size).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOW_FIRST = [
  'test/writer-concurrency.test.ts',
  'test/fast-path.test.ts',
  'test/hostile-inputs.test.ts',
  'test/pipeline.test.ts',
  'test/writer-cli.test.ts',
  'test/writer-kill.test.ts',
  'test/migrate.test.ts',
  'test/writer.test.ts',
  'test/apply-order.test.ts',
  'test/cdk8s-cli.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the files not listed keep vitest's order
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
