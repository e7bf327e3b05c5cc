// Sites for the GPU stack tests: the example site with a change applied, written to a temp dir (with the
// files it points to) and loaded the way the CLI loads it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CHARTS } from '../../charts';
import { SiteConfigError, type Problem } from '../../lib/config/problems';
import type { Manifest, RenderedFile } from '../../lib/core/manifest';
import { validationContext } from '../../lib/pipeline/pipeline';
import { renderSite } from '../../lib/render/render';
import { loadSite, type Site } from '../../lib/site/site';
import { validateFiles, type Finding } from '../../lib/validate/validator';
import { writeSiteFile } from './site-variant';

export const EXAMPLE = 'sites/example.yaml';

/** A parsed site file, edited freely by tests. */
export type SiteDocument = Record<string, any>;

/** The example site, changed by `edit`, written whole (no `extends`) by writeSiteFile; returns the path. */
export function writeSite(edit: (doc: SiteDocument) => void = () => {}): string {
  const doc = parse(readFileSync(EXAMPLE, 'utf8')) as SiteDocument;
  edit(doc);
  return writeSiteFile(doc);
}

/** The example site with `edit` applied, loaded for `kubernetesVersion` (default: the file's). */
export function siteWith(edit: (doc: SiteDocument) => void = () => {}, kubernetesVersion?: string): Site {
  return loadSite(writeSite(edit), kubernetesVersion === undefined ? {} : { kubernetesVersion });
}

/** The problems a broken site reports (empty when it loads). */
export function problemsOf(edit: (doc: SiteDocument) => void, kubernetesVersion?: string): Problem[] {
  try {
    siteWith(edit, kubernetesVersion);
    return [];
  } catch (err) {
    if (err instanceof SiteConfigError) return [...err.problems];
    throw err;
  }
}

/** Every chart of the site rendered, and the validator's findings for its Kubernetes minor. */
export function renderAndValidate(site: Site): { files: RenderedFile[]; findings: Finding[] } {
  const { files } = renderSite(site, CHARTS);
  return { files, findings: validateFiles(files, validationContext(site)) };
}

/** Objects of one chart's output file. */
export function chartObjects(files: readonly RenderedFile[], chart: string): readonly Manifest[] {
  return files.find((f) => f.chart === chart)?.objects ?? [];
}

/** A rendered object, read freely by assertions. */
export type Loose = Record<string, any>;

export function find(objects: readonly Manifest[], kind: string, name: string): Loose {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}
