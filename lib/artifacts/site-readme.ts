import { applyCommands } from './applyset';
import { cloudNodeLabels, isNvidiaInstanceType } from '../model/cloud';
import type { SiteConfig } from '../config/schema';
import { costReport, formatInt, formatUsd } from './cost';
import { EKSCTL_PATH, eksctlCreateCommand } from './eksctl';
import { ARTIFACT_COMPONENTS, GUIDE_DEVIATIONS } from './guide-deviations';
import { COMPONENT_LABEL, GENERATOR_NAME, GENERATOR_VERSION, VERSION_LABEL } from '../core/labels';
import type { Manifest, RenderedFile } from '../core/manifest';
import { containerdConfig, containerdMajor, defaultRuntime, kubeletConfig, nodeConfigPath } from './nodeadm';
import { prerequisitesMarkdown, sitePrerequisites } from '../validate/prerequisites';
import { COMPUTE_TYPE_LABEL, HYBRID, poolNodeLabels } from '../model/placement';
import { containersOf, podSpecOf, tolerates, type PodSpecView } from '../validate/policy/pods';
import { selectorMatches } from '../validate/policy/selectors';
import { NEVER_PRUNED_DIR } from '../render/render';
import type { Site } from '../site/site';

/**
 * dist/<site>/README.md: the site at a glance for a reviewer, derived from the rendered objects
 * (component and version labels, images, namespaces), the pools' labels and taints (lib/model/placement.ts)
 * matched against every pod spec's scheduling constraints, the cost report and the guide deviations
 * of the components that render.
 */

interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** A set of nodes that share labels and taints: a hybrid pool or a cloud node group. */
export interface NodeGroup {
  readonly id: string;
  readonly kind: 'hybrid' | 'cloud';
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly taints: readonly Taint[];
  /** One line about its size and hardware. */
  readonly detail: string;
}

/** The node groups of a site: hybrid pools with the labels nodeadm registers, then the cloud node groups. */
export function nodeGroups(config: SiteConfig): NodeGroup[] {
  return [
    ...config.nodePools.map((p) => ({
      id: `pool_${mermaidId(p.name)}`,
      kind: 'hybrid' as const,
      name: p.name,
      labels: { ...poolNodeLabels(p), [COMPUTE_TYPE_LABEL]: HYBRID },
      taints: p.taints,
      detail: `${p.count} × ${p.vcpus} vCPU${p.gpu.mode === 'none' ? '' : `, ${p.gpu.perNode} × ${p.gpu.model ?? 'GPU'} (${p.gpu.mode})`}`,
    })),
    ...config.cloudNodeGroups.map((g) => ({
      id: `cloud_${mermaidId(g.name)}`,
      kind: 'cloud' as const,
      name: g.name,
      labels: cloudNodeLabels(g),
      taints: g.taints,
      detail: `${g.instanceType}${isNvidiaInstanceType(g.instanceType) ? ' (NVIDIA GPU)' : ''}, ${g.minSize}–${g.maxSize} nodes`,
    })),
  ];
}

/** Whether a pod with this spec can be scheduled on the group's nodes (selector, required affinity, taints). */
export function podFits(spec: PodSpecView, group: NodeGroup): boolean {
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) if (group.labels[key] !== value) return false;
  // the terms are ORed; a term without expressions matches no node (as in the scheduler's nodeaffinity plugin)
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((term) => term.matchExpressions !== undefined && term.matchExpressions.length > 0 && selectorMatches({ matchExpressions: term.matchExpressions }, group.labels))) {
    return false;
  }
  // Stryker disable next-line ArrayDeclaration: equivalent, a made-up toleration (a string: no key, no operator) tolerates no taint
  return group.taints.filter((t) => t.effect !== 'PreferNoSchedule').every((t) => tolerates(spec.tolerations ?? [], t));
}

export interface PlacedWorkload {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly component: string;
  /** Node groups its pods can run on. */
  readonly groups: readonly string[];
}

/** Every workload of the output with the node groups its pods fit. */
export function placeWorkloads(files: readonly RenderedFile[], groups: readonly NodeGroup[]): PlacedWorkload[] {
  const out: PlacedWorkload[] = [];
  for (const object of files.flatMap((f) => f.objects)) {
    const pod = podSpecOf(object);
    if (!pod) continue;
    const name = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
    out.push({
      id: `w${out.length}`,
      kind: object.kind,
      name,
      component: object.metadata.labels?.[COMPONENT_LABEL] ?? '',
      groups: groups.filter((g) => podFits(pod.spec, g)).map((g) => g.id),
    });
  }
  return out;
}

export interface ComponentRow {
  readonly component: string;
  readonly version: string;
  readonly namespaces: readonly string[];
  readonly images: readonly string[];
  readonly files: readonly string[];
  readonly objects: number;
}

/** One row per component label value, in file order. */
export function componentRows(files: readonly RenderedFile[]): ComponentRow[] {
  const rows = new Map<string, { versions: Set<string>; namespaces: Set<string>; images: Set<string>; files: Set<string>; objects: number }>();
  for (const file of files) {
    for (const object of file.objects) {
      const component = object.metadata.labels?.[COMPONENT_LABEL] ?? file.chart;
      const row = rows.get(component) ?? { versions: new Set(), namespaces: new Set(), images: new Set(), files: new Set(), objects: 0 };
      rows.set(component, row);
      row.objects += 1;
      row.files.add(file.path);
      const version = object.metadata.labels?.[VERSION_LABEL];
      if (version) row.versions.add(version);
      row.namespaces.add(object.metadata.namespace ?? (object.kind === 'Namespace' ? object.metadata.name : '(cluster)'));
      for (const image of imagesOf(object)) row.images.add(image);
    }
  }
  return [...rows].map(([component, r]) => ({
    component,
    version: [...r.versions].join(', '),
    namespaces: [...r.namespaces].sort(),
    images: [...r.images].sort(),
    files: [...r.files],
    objects: r.objects,
  }));
}

function imagesOf(object: Manifest): string[] {
  const pod = podSpecOf(object);
  return pod ? containersOf(pod).flatMap(({ container }) => (container.image ? [container.image] : [])) : [];
}

function mermaidId(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

function mermaidLabel(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

function formatTaint(t: Taint): string {
  return `${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`;
}

/** The two kinds of workload the diagram tells apart, each in its own box that says what its arrows mean. */
const WORKLOAD_BOXES = [
  { id: 'daemonsets', title: 'DaemonSets: a pod on every node of each group (thick arrows)', daemonSet: true },
  { id: 'workloads', title: 'Deployments, Jobs, Pods: each pod on one node of one of the groups (thin arrows)', daemonSet: false },
] as const;

/**
 * Mermaid flowchart, top to bottom: workloads in one row (DaemonSets and other workloads in two boxes
 * that serve as the legend), node groups in the row below (on-prem and cloud boxes), and one arrow from
 * each workload to every group it can run on. Every arrow spans exactly one row, so none is drawn through
 * another group's box and no arrow seems to run from group to group.
 */
export function placementDiagram(groups: readonly NodeGroup[], workloads: readonly PlacedWorkload[]): string[] {
  const lines = ['```mermaid', 'flowchart TB'];
  for (const box of WORKLOAD_BOXES) {
    const members = workloads.filter((w) => (w.kind === 'DaemonSet') === box.daemonSet);
    if (members.length === 0) continue;
    lines.push(`  subgraph ${box.id}[${mermaidLabel(box.title)}]`, '    direction LR');
    const shape = box.daemonSet ? ['{{', '}}'] : ['(', ')'];
    for (const w of members) lines.push(`    ${w.id}${shape[0]}${mermaidLabel(`${w.kind}<br/>${w.name}`)}${shape[1]}`);
    lines.push('  end');
  }
  for (const [kind, title] of [['hybrid', 'On-prem hybrid nodes'], ['cloud', 'AWS cloud node groups']] as const) {
    const members = groups.filter((g) => g.kind === kind);
    if (members.length === 0) continue;
    lines.push(`  subgraph ${kind}[${mermaidLabel(title)}]`, '    direction LR');
    for (const g of members) {
      const taints = g.taints.length > 0 ? `<br/>taint ${g.taints.map(formatTaint).join(', ')}` : '';
      lines.push(`    ${g.id}[${mermaidLabel(`<b>${g.name}</b><br/>${g.detail}${taints}`)}]`);
    }
    lines.push('  end');
  }
  for (const w of workloads) for (const g of w.groups) lines.push(`  ${w.id} ${w.kind === 'DaemonSet' ? '==>' : '-->'} ${g}`);
  lines.push('```');
  return lines;
}

/** The Components table: a dash for what a component does not have, its files linked. */
export function componentTable(rows: readonly ComponentRow[]): string[] {
  return [
    '| Component | Version | Namespaces | Images | Objects | File |',
    '| --- | --- | --- | --- | ---: | --- |',
    ...rows.map((r) => `| ${r.component} | ${r.version || '–'} | ${cell(r.namespaces)} | ${cell(r.images)} | ${r.objects} | ${r.files.map((f) => `[${f}](${f})`).join(' ')} |`),
  ];
}

function cell(values: readonly string[]): string {
  return values.length === 0 ? '–' : values.map((v) => `\`${v}\``).join('<br>');
}

/** What a pool's servers get beyond nodeadm's own containerd and kubelet config, and why. */
function nodeSide(config: Site['config'], pool: Site['config']['nodePools'][number]): string {
  const gates = Object.keys(kubeletConfig(config, pool).featureGates ?? {});
  const containerd =
    containerdConfig(config, pool) === undefined
      ? "nodeadm's containerd config unchanged"
      : `containerd ${containerdMajor(config)}.x drop-in ${containerdMajor(config) === 1 ? "with the complete CRI section (1.7 would otherwise drop nodeadm's runc, sandbox image and certs.d paths)" : 'with only the changes (2.x merges key by key)'}: runtime \`nvidia\` defined, default runtime \`${defaultRuntime(config, pool)}\`${pool.gpu.mode === 'dra' ? ', CDI on' : ''}`;
  const gateNames = gates.map((g) => `\`${g}\``);
  // Stryker disable next-line StringLiteral: equivalent, no minor needs more than one kubelet gate (the version matrix), so the separator is never written
  const gateList = gateNames.join(', ');
  const kubelet = gates.length === 0 ? '' : `; kubelet feature gate ${gateList} (off by default on ${config.kubernetesVersion}, needed by DRA)`;
  return `${containerd}${kubelet}`;
}

/** The README of dist/<site>/. */
export function siteReadme(site: Site, files: readonly RenderedFile[]): string {
  const { config } = site;
  const rows = componentRows(files);
  const groups = nodeGroups(config);
  const workloads = placeWorkloads(files, groups);
  const unplaced = workloads.filter((w) => w.groups.length === 0);
  const cost = costReport(config);
  // Stryker disable next-line ArrayDeclaration: equivalent, a made-up component has no deviations to list
  const nodeadm = config.nodePools.length > 0 ? [ARTIFACT_COMPONENTS.nodeadm] : [];
  const rendered = new Set([...rows.map((r) => r.component), ARTIFACT_COMPONENTS.eksctl, ARTIFACT_COMPONENTS.cost, ...nodeadm]);
  const neverPruned = files.some((f) => f.path.startsWith(`${NEVER_PRUNED_DIR}/`));
  const deviations = Object.entries(GUIDE_DEVIATIONS).filter(([component]) => rendered.has(component));

  return [
    `# Site ${config.name}`,
    '',
    `Generated by ${GENERATOR_NAME} ${GENERATOR_VERSION} from the site config; edit the config and run \`npm run synth\`, never this folder.`,
    '',
    `EKS cluster \`${config.cluster.name}\` in ${config.cluster.region}, Kubernetes ${config.kubernetesVersion}.`,
    '',
    '## Prerequisites',
    '',
    ...prerequisitesMarkdown(sitePrerequisites(files)),
    '',
    '## Apply',
    '',
    'With pruning (kubectl ApplySets: objects that left the config are deleted, nothing else); run from the repository root:',
    '',
    '```sh',
    ...applyCommands(config.name, neverPruned),
    '```',
    '',
    ...(neverPruned ? [`[${NEVER_PRUNED_DIR}/](${NEVER_PRUNED_DIR}/) holds objects we update but never delete (EKS created them).`] : []),
    'Argo CD and Flux: see the project README, section Deliver.',
    '',
    '## Components',
    '',
    ...componentTable(rows),
    '',
    '## Placement',
    '',
    'Where each workload can run: its nodeSelector, required node affinity and tolerations matched against the labels and taints each pool registers (nodeadm NodeConfig) and each cloud node group has. Workloads are in the top row, node groups in the bottom row; every arrow runs from a workload down to a group it can run on, never from group to group.',
    '',
    '- **Thick arrow** (from a DaemonSet): one pod on every node of that group.',
    '- **Thin arrow** (from a Deployment, Job or Pod): each of its pods goes to one node of one of the groups its arrows point to.',
    '',
    ...placementDiagram(groups, workloads),
    '',
    ...(unplaced.length === 0 ? [] : ['**Workloads that fit no node group** (they stay Pending unless other nodes exist):', '', ...unplaced.map((w) => `- ${w.kind} ${w.name}`), '']),
    '## Node and cluster setup (not applied by kubectl)',
    '',
    ...config.nodePools.map((p) => `- [${nodeConfigPath(p)}](${nodeConfigPath(p)}): nodeadm NodeConfig of pool ${p.name}: ${nodeSide(config, p)}`),
    `- [${EKSCTL_PATH}](${EKSCTL_PATH}): eksctl ClusterConfig (cluster, remote networks, cloud node groups); create with \`${eksctlCreateCommand(config)}\``,
    '',
    '## Cost',
    '',
    `EKS Hybrid Nodes: **${formatUsd(cost.tieredCents)} a month** for ${formatInt(cost.vcpus)} vCPUs (${formatInt(cost.vcpuHours)} vCPU-hours, tiered AWS price); the guide's flat rate would say ${formatUsd(cost.flatCents)}. Per pool and per tier: [COST.md](COST.md).`,
    '',
    '## Deviations from the guide',
    '',
    // never empty: the eksctl ClusterConfig and the cost report, always written, deviate from the guide
    ...deviations.flatMap(([component, list]) => [`### ${component}`, '', ...list.flatMap((d) => [`- Guide: ${d.guide}`, `  Here: ${d.here}`]), '']),
    '',
  ].join('\n');
}
