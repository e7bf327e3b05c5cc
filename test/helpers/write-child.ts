// Child process for the writer's kill and concurrency tests, bundled by esbuild into plain JavaScript so
// a trial costs a Node start-up and not a TypeScript load: writes sites a and b (10 files each, every
// file's content names the run's label) into <root> with the given swap mode, preloaded with
// test/helpers/fs-fault.cjs to crash or fail at a chosen file-system call.
//   node -r fs-fault.cjs write-child.cjs <root> <label> <rename|symlink> [sites=a,b]
import * as writer from '../../lib/writer';
import { treeFiles } from './write-trees';

const [root, label, swap, siteList = 'a,b'] = process.argv.slice(2);
const sites = siteList
  .split(',')
  .filter((s) => s !== '')
  .map((site) => ({ site, files: treeFiles(site, label) }));

// writeSites since the all-or-nothing writer; before it, the CLI called writeSiteFiles once per site
const w = writer as unknown as Record<string, (...args: unknown[]) => void>;
try {
  if (w.writeSites) w.writeSites(root, sites, { swap });
  else for (const s of sites) w.writeSiteFiles(root, s.site, s.files);
} catch (err) {
  const e = err as Error;
  process.stderr.write(`${e.name}: ${e.message}\n${e.name === 'OutputWriteError' ? '' : e.stack}\n`);
  process.exit(e.name === 'OutputWriteError' ? 3 : 1);
}
