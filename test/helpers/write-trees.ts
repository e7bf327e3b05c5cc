import type { OutputFile } from '../../lib/render/render';
import * as writer from '../../lib/output/writer';

/** The files test/helpers/write-child.ts writes for a site: 10 files in two folders, each naming the run's label. */
export function treeFiles(site: string, label: string): OutputFile[] {
  return Array.from({ length: 10 }, (_, i) => ({ path: `${i < 5 ? '' : 'sub/'}f${i}.yaml`, content: `${site} ${label} ${i}\n` }));
}

/** The tree `treeFiles` gives, in test/helpers/tree.ts's snapshot form. */
export function treeSnapshot(site: string, label: string): Record<string, string> {
  return Object.fromEntries(treeFiles(site, label).map((f) => [f.path, Buffer.from(f.content).toString('base64')]));
}

/**
 * A write of `treeFiles` in this process, the one test/helpers/write-child.ts makes in a child: writeSites,
 * or on a writer from before the all-or-nothing one, writeSiteFiles once per site (as the CLI called it).
 */
export function writeInProcess(root: string, label: string, swap: 'rename' | 'symlink', sites: readonly string[] = ['a', 'b']): void {
  const w = writer as unknown as Record<string, (...args: unknown[]) => void>;
  const all = sites.map((site) => ({ site, files: treeFiles(site, label) }));
  if (w.writeSites) w.writeSites(root, all, { swap });
  else for (const s of all) w.writeSiteFiles(root, s.site, s.files);
}
