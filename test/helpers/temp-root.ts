// vitest globalSetup: every test run gets its own temporary folder, removed when the run ends. Tests
// make temporary folders freely (mkdtemp under os.tmpdir(), which reads TMPDIR), and cdk8s's Testing.app()
// makes one per chart test that nothing removes; left in /tmp they added up to ~100,000 entries on a
// long-lived machine, which slowed every later mkdtemp and test. Worker threads and child processes
// inherit TMPDIR, so their folders land here too.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'ehc-test-run-'));
  // like /tmp itself: tests that run a child as another user (writer-cli's EACCES case) must reach their folders
  chmodSync(root, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
