import { CHARTS } from './charts';
import { ARTIFACTS } from './lib/artifacts/artifacts';
import { runCli } from './lib/cli/cli';

// The app entry point for `npm run synth` and `cdk8s synth` (cdk8s.yaml): lib/cli/cli.ts does the work;
// this file only wires the charts in, because lib/ never imports charts.

// `npm run cost | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

runCli(process.argv.slice(2), { charts: CHARTS, artifacts: ARTIFACTS }).then((code) => {
  process.exitCode = code;
});
