// Child process for the writer's kill and concurrency tests, bundled by esbuild into plain JavaScript so
// a trial costs a Node start-up and not a TypeScript load: writes sites a and b (10 files each, every
// file's content names the run's label) into <root> with the given swap mode, preloaded with
// test/helpers/fs-fault.cjs to crash or fail at a chosen file-system call.
//   node -r fs-fault.cjs write-child.cjs <root> <label> <rename|symlink> [sites=a,b]
// Exit 0, or 3 and one line `OutputWriteError: …` on stderr when the writer refuses (the lock), or 1
// with the stack of anything else.
//   node -r fs-fault.cjs write-child.cjs --serve
// The same writes, one per line of stdin (JSON {root, label, swap, sites}), one after the other in this
// one process; each answers one line of stdout (JSON {status, stderr}), the exit code and stderr the
// one-shot form would have given. FS_FAULT_ROOT is set to each write's root (fs-fault.cjs reads it
// at every call). A test that runs many writes side by side pays a Node start-up per process, not per write.
import { createInterface } from 'node:readline';
import { writeInProcess } from './write-trees';

interface Result {
  readonly status: number;
  readonly stderr: string;
}

function write(root: string, label: string, swap: string, siteList: string): Result {
  try {
    writeInProcess(root, label, swap as 'rename' | 'symlink', siteList.split(',').filter((s) => s !== ''));
    return { status: 0, stderr: '' };
  } catch (err) {
    const e = err as Error;
    return { status: e.name === 'OutputWriteError' ? 3 : 1, stderr: `${e.name}: ${e.message}\n${e.name === 'OutputWriteError' ? '' : e.stack}\n` };
  }
}

if (process.argv[2] === '--serve') {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const job = JSON.parse(line) as { root: string; label: string; swap: string; sites: string };
    process.env.FS_FAULT_ROOT = job.root;
    process.stdout.write(`${JSON.stringify(write(job.root, job.label, job.swap, job.sites))}\n`);
  });
} else {
  const [root, label, swap, siteList = 'a,b'] = process.argv.slice(2);
  const result = write(root, label, swap, siteList);
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    process.exit(result.status);
  }
}
