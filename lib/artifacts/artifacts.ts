import { applySetFiles } from './applyset';
import { costMarkdown, costReport } from './cost';
import { eksctlFile } from './eksctl';
import { gitopsFiles } from './gitops';
import { nodeConfigFiles } from './nodeadm';
import { NEVER_PRUNED_DIR, type ArtifactDefinition } from '../render/render';
import { siteReadme } from './site-readme';

/**
 * Site artefacts that are not cluster objects (NodeConfigs, eksctl config, cost report, overview).
 * kustomization.yaml lists chart files only, so none of these is ever applied.
 */
export const ARTIFACTS: readonly ArtifactDefinition[] = [
  // one file per pool: none for a site without hybrid pools
  { id: 'nodeadm-nodeconfigs', enabled: () => true, render: (site) => nodeConfigFiles(site.config) },
  { id: 'eksctl-cluster-config', enabled: () => true, render: (site) => [eksctlFile(site.config)] },
  { id: 'cost-report', enabled: () => true, render: (site) => [{ path: 'COST.md', content: costMarkdown(site.config.name, costReport(site.config)) }] },
  { id: 'applyset', enabled: () => true, render: (site) => applySetFiles(site) },
  {
    id: 'gitops',
    enabled: (site) => site.config.gitops.enabled,
    render: (site, files) => gitopsFiles(site, files.some((f) => f.path.startsWith(`${NEVER_PRUNED_DIR}/`))),
  },
  { id: 'site-readme', enabled: () => true, render: (site, files) => [{ path: 'README.md', content: siteReadme(site, files) }] },
];
