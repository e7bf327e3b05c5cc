import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadSite, type LoadOptions, type Site } from '../../lib/site/site';
import { supportsNvidiaDraDriver, type KubernetesVersion } from '../../lib/core/versions';

const EXAMPLE = resolve('sites/example.yaml');

/**
 * Writes `document` as site.yaml into a fresh temp dir beside a copy of the example CA and of `files`
 * (name in the dir → source path), and returns its path: the one writer of site variants in the tests.
 */
export function writeSiteFile(document: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-variant-'));
  copyFileSync(resolve('sites/example-harbor-ca.crt'), join(dir, 'example-harbor-ca.crt'));
  for (const [name, source] of Object.entries(files)) copyFileSync(source, join(dir, name));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, stringify(document));
  return file;
}

/**
 * A site file that `extends` the example site with `overrides` (overlay rules: mappings merge, lists
 * replace, null removes), written by {@link writeSiteFile}.
 */
export function siteVariantFile(overrides: Record<string, unknown>, files: Record<string, string> = {}): string {
  return writeSiteFile({ extends: EXAMPLE, ...overrides }, files);
}

export function loadSiteVariant(overrides: Record<string, unknown>, options: LoadOptions = {}): Site {
  return loadSite(siteVariantFile(overrides), options);
}

/**
 * Overrides that drop the example's DRA pool and everything that needs it, so the site loads on every
 * supported minor (DRA needs 1.32+): the device-plugin pools stay.
 */
export function withoutDra(): Record<string, unknown> {
  const example = parse(readFileSync(EXAMPLE, 'utf8')) as { nodePools: { gpu?: { mode?: string } }[] };
  return {
    nodePools: example.nodePools.filter((p) => p.gpu?.mode !== 'dra'),
    dra: { claimTemplates: [] },
    samples: { mlTraining: { enabled: false } },
  };
}

/** The example site rendered for `version`: without its DRA pool where the DRA driver cannot run. */
export function exampleFor(version: KubernetesVersion): Site {
  return loadSiteVariant(supportsNvidiaDraDriver(version) ? {} : withoutDra(), { kubernetesVersion: version });
}
