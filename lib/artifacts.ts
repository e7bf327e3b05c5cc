import { applySetFiles } from './applyset';
import { costMarkdown, costReport } from './cost';
import { eksctlFile } from './eksctl';
import { nodeConfigFiles } from './nodeadm';
import type { ArtifactDefinition } from './render';
import { siteReadme } from './site-readme';

/**
 * Site artefacts that are not cluster objects (NodeConfigs, eksctl config, cost report, overview).
 * kustomization.yaml lists chart files only, so none of these is ever applied.
 */
export const ARTIFACTS: readonly ArtifactDefinition[] = [
  { id: 'nodeadm-nodeconfigs', enabled: (site) => site.config.nodePools.length > 0, render: (site) => nodeConfigFiles(site.config) },
  { id: 'eksctl-cluster-config', enabled: () => true, render: (site) => [eksctlFile(site.config)] },
  { id: 'cost-report', enabled: () => true, render: (site) => [{ path: 'COST.md', content: costMarkdown(site.config.name, costReport(site.config)) }] },
  { id: 'applyset', enabled: () => true, render: (site) => applySetFiles(site) },
  { id: 'site-readme', enabled: () => true, render: (site, files) => [{ path: 'README.md', content: siteReadme(site, files) }] },
];
