import { CHARTS } from './charts';
import { ARTIFACTS } from './lib/artifacts/artifacts';
import { runCli } from './lib/cli/cli';
import { processIo } from './lib/cli/process-io';

// The app entry point for `npm run synth` and `cdk8s synth` (cdk8s.yaml): lib/cli/cli.ts does the work;
// this file only wires the charts in, because lib/ never imports charts. Output lines go straight to
// file descriptors 1 and 2 (lib/cli/process-io.ts), which also ends the run quietly when the reader
// closes the pipe early (`npm run cost | head`).

runCli(process.argv.slice(2), { charts: CHARTS, artifacts: ARTIFACTS }, processIo()).then((code) => {
  process.exitCode = code;
});
