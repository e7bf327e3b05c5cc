import { createHash } from 'node:crypto';
import { dirname, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import { kustomizeSortOptions } from './apply-order';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../core/labels';
import type { Manifest, RenderedFile } from '../core/manifest';
import { byPath, NEVER_PRUNED_DIR, type OutputFile, type RenderResult } from './render';
import type { Site } from '../site/site';
import { emitYaml, YAML_OPTIONS } from './yaml-emit';

/**
 * YAML as kubectl reads it: YAML 1.1 rules for quoting (so strings like "yes", "on" or "0755" stay
 * strings for sigs.k8s.io/yaml), no line folding, no anchors. Key order is what cdk8s produced
 * (apiVersion, kind, metadata, then sorted), so output is stable. Plain JSON data takes the direct
 * emitter (lib/render/yaml-emit.ts, the same bytes without yaml's document tree); anything else yaml's stringify.
 */
export function toYaml(value: unknown): string {
  return emitYaml(value) ?? stringify(value, YAML_OPTIONS);
}

export function manifestsToYaml(objects: readonly Manifest[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}

function siteRelative(siteFile: string, file: string): string {
  return relative(dirname(resolve(siteFile)), resolve(file)).split(sep).join('/');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function kustomization(dir: string, files: readonly OutputFile[]): OutputFile {
  return {
    path: dir ? `${dir}/kustomization.yaml` : 'kustomization.yaml',
    content: toYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      // kubectl apply -k creates objects in kustomize's output order: by kind, prerequisites before workloads
      sortOptions: kustomizeSortOptions(),
      resources: files.map((f) => (dir ? f.path.slice(dir.length + 1) : f.path)),
    }),
  };
}

/**
 * Everything that goes into dist/<site>/: one YAML file per chart, the extra files, kustomization.yaml
 * listing the chart files (the set kubectl's ApplySet prunes) with the kind order of lib/render/apply-order.ts as
 * its sortOptions, never-pruned/kustomization.yaml
 * for the files that must never be deleted, and manifest.json with hashes.
 */
export function siteOutputFiles(site: Site, result: RenderResult): OutputFile[] {
  const chartFiles: OutputFile[] = result.files.map((f: RenderedFile) => ({ path: f.path, content: manifestsToYaml(f.objects) }));
  const neverPruned = chartFiles.filter((f) => f.path.startsWith(`${NEVER_PRUNED_DIR}/`));
  const kustomizations = [
    kustomization('', chartFiles.filter((f) => !neverPruned.includes(f))),
    ...(neverPruned.length > 0 ? [kustomization(NEVER_PRUNED_DIR, neverPruned)] : []),
  ];
  const hashed = [...chartFiles, ...kustomizations, ...result.extraFiles].sort(byPath);
  const manifest: OutputFile = {
    path: 'manifest.json',
    content: `${JSON.stringify(
      {
        generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION },
        site: site.config.name,
        kubernetesVersion: site.config.kubernetesVersion,
        siteConfigSha256: site.source.sha256,
        // every file the config was read from, bases first, named relative to the site file's folder
        siteFiles: site.source.files.map((f) => ({ file: siteRelative(site.source.file, f.file), sha256: f.sha256 })),
        files: Object.fromEntries(hashed.map((f) => [f.path, sha256(f.content)])),
      },
      null,
      2,
    )}\n`,
  };
  return [...hashed, manifest];
}
