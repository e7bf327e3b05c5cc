import type { OutputFile } from '../../lib/render';

/** The files test/helpers/write-child.ts writes for a site: 10 files in two folders, each naming the run's label. */
export function treeFiles(site: string, label: string): OutputFile[] {
  return Array.from({ length: 10 }, (_, i) => ({ path: `${i < 5 ? '' : 'sub/'}f${i}.yaml`, content: `${site} ${label} ${i}\n` }));
}

/** The tree `treeFiles` gives, in test/helpers/tree.ts's snapshot form. */
export function treeSnapshot(site: string, label: string): Record<string, string> {
  return Object.fromEntries(treeFiles(site, label).map((f) => [f.path, Buffer.from(f.content).toString('base64')]));
}
