import { cloudGpuNodeGroups, NODEGROUP_LABEL } from '../model/cloud';
import { gpuPools, poolSelector } from '../model/placement';
import { plainCredentialsAllowed } from '../model/pull-secrets';
import { renderSite, type ArtifactDefinition, type ChartDefinition, type OutputFile, type RenderResult } from '../render/render';
import { siteOutputFiles } from '../render/site-files';
import { loadSite, type LoadOptions, type Site } from '../site/site';
import { validateFiles, type Finding, type ValidationContext } from '../validate/validator';

/** What the CLI composes: the charts (wired by main.ts, since lib/ never imports charts) and the artefacts. */
export interface Registry {
  readonly charts: readonly ChartDefinition[];
  readonly artifacts: readonly ArtifactDefinition[];
}

export interface SiteBuild {
  readonly site: Site;
  readonly result: RenderResult;
  /** Every file of dist/<site>/, ready to write. */
  readonly output: readonly OutputFile[];
  /** Validator findings; empty when validation was skipped. */
  readonly findings: readonly Finding[];
}

/** What the validator must know about the site beyond the objects themselves. */
export function validationContext(site: Site): ValidationContext {
  return {
    kubernetesVersion: site.config.kubernetesVersion,
    gpuNodeGroups: [
      ...gpuPools(site.config).map((pool) => ({ selector: poolSelector(pool), taints: pool.taints })),
      ...cloudGpuNodeGroups(site.config).map((group) => ({ selector: { [NODEGROUP_LABEL]: group.name }, taints: group.taints })),
    ],
    allowPlainCredentials: plainCredentialsAllowed(site.config),
  };
}

/** site file → validated Site → charts → validator → files in memory. Writes nothing. */
export function buildSite(file: string, registry: Registry, options: LoadOptions & { readonly validate?: boolean } = {}): SiteBuild {
  const site = loadSite(file, options);
  const result = renderSite(site, registry.charts, registry.artifacts);
  const findings = options.validate === false ? [] : validateFiles(result.files, validationContext(site));
  return { site, result, output: siteOutputFiles(site, result), findings };
}
