import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import type { NodePool } from '../lib/config/schema';
import { GUIDE_DEVIATIONS } from '../lib/artifacts/guide-deviations';
import type { RenderedFile } from '../lib/core/manifest';
import { buildSite } from '../lib/pipeline/pipeline';
import { podSpecOf } from '../lib/validate/policy/pods';
import { componentRows, componentTable, nodeGroups, placementDiagram, placeWorkloads, podFits, siteReadme, type NodeGroup } from '../lib/artifacts/site-readme';
import { setUp } from './helpers/set-up';
import { siteVariantFile } from './helpers/site-variant';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };

let build!: ReturnType<typeof buildSite>;
let readme!: string;
let objects!: ReturnType<typeof buildSite>['result']['files'][number]['objects'];
setUp(() => {
  build = buildSite('sites/example.yaml', REGISTRY, { validate: false });
  readme = build.output.find((f) => f.path === 'README.md')!.content;
  objects = build.result.files.flatMap((f) => f.objects);
});

function group(labels: Record<string, string>, taints: NodeGroup['taints'] = []): NodeGroup {
  return { id: 'g', kind: 'hybrid', name: 'g', labels, taints, detail: '' };
}

describe('placement matching', () => {
  const gpu = group({ 'eks.amazonaws.com/compute-type': 'hybrid', pool: 'a' }, [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
  const cloud = group({ 'node-type': 'cpu' });

  it('needs every nodeSelector label', () => {
    expect(podFits({ nodeSelector: { pool: 'a' }, tolerations: [{ operator: 'Exists' }] }, gpu)).toBe(true);
    expect(podFits({ nodeSelector: { pool: 'b' }, tolerations: [{ operator: 'Exists' }] }, gpu)).toBe(false);
  });

  it('needs one matching required node affinity term (NotIn hybrid keeps pods on cloud nodes)', () => {
    const notHybrid = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['hybrid'] }] }] } } } };
    expect(podFits(notHybrid, cloud)).toBe(true);
    expect(podFits({ ...notHybrid, tolerations: [{ operator: 'Exists' }] }, gpu)).toBe(false);
  });

  it('needs a toleration for each NoSchedule/NoExecute taint, by key, value and effect', () => {
    expect(podFits({}, gpu)).toBe(false);
    expect(podFits({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] }, gpu)).toBe(true);
    expect(podFits({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }] }, gpu)).toBe(true);
    expect(podFits({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] }, gpu)).toBe(false);
    expect(podFits({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }] }, gpu)).toBe(false);
    expect(podFits({}, group({}, [{ key: 'soft', effect: 'PreferNoSchedule' }]))).toBe(true);
  });

  it('reads affinity without nodeAffinity or without required terms as no constraint, and a term without expressions as matching no node', () => {
    expect(podFits({ affinity: {} }, cloud)).toBe(true);
    expect(podFits({ affinity: { nodeAffinity: {} } }, cloud)).toBe(true);
    expect(podFits({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } } }, cloud)).toBe(true);
    const required = (nodeSelectorTerms: object[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } } });
    expect(podFits(required([{}]), cloud)).toBe(false);
    expect(podFits(required([{ matchExpressions: [] }]), cloud)).toBe(false);
    // terms are ORed: one matching term is enough
    const cpu = { matchExpressions: [{ key: 'node-type', operator: 'In', values: ['cpu'] }] };
    const gpuType = { matchExpressions: [{ key: 'node-type', operator: 'In', values: ['gpu'] }] };
    expect(podFits(required([{}, gpuType, cpu]), cloud)).toBe(true);
    expect(podFits(required([gpuType]), cloud)).toBe(false);
  });
});

describe('site README of the example', () => {
  it('lists every rendered component with its version label and images', () => {
    const rows = componentRows(build.result.files);
    const components = new Set(objects.map((o) => o.metadata.labels!['app.kubernetes.io/component']));
    expect(rows.map((r) => r.component).sort()).toEqual([...components].sort());
    for (const row of rows) {
      expect(readme).toContain(`| ${row.component} | ${row.version || '–'} |`);
      for (const image of row.images) expect(readme).toContain(`\`${image}\``);
    }
    // every container image of the output appears
    const images = objects.flatMap((o) => {
      const pod = podSpecOf(o);
      return pod ? [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => c.image!) : [];
    });
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(readme).toContain(image);
  });

  it('draws every pool and cloud node group, and links each workload to where it fits', () => {
    const groups = nodeGroups(build.site.config);
    expect(groups.map((g) => g.name)).toEqual([...build.site.config.nodePools.map((p: NodePool) => p.name), ...build.site.config.cloudNodeGroups.map((g) => g.name)]);
    expect(readme).toContain('```mermaid\nflowchart TB\n');
    const placed = placeWorkloads(build.result.files, groups);
    expect(placed.filter((w) => w.groups.length === 0)).toEqual([]);
    for (const w of placed) {
      for (const g of w.groups) expect(readme).toContain(`  ${w.id} ${w.kind === 'DaemonSet' ? '==>' : '-->'} ${g}\n`);
    }
    // the device plugin lands on the device-plugin pool and the cloud GPU group; cloud workloads on untainted cloud nodes
    const byName = (name: string) => placed.find((w) => w.name.endsWith(`/${name}`))!;
    expect(byName('nvidia-device-plugin-daemonset')?.groups).toEqual(['pool_gpu_h100', 'cloud_gpu_nodes']);
    expect(byName('cloud-gpu-test').groups).toEqual(['cloud_gpu_nodes']);
    expect(readme).toContain('cloud_gpu_nodes["<b>gpu-nodes</b><br/>g5.xlarge (NVIDIA GPU), 1–5 nodes');
    expect(byName('web-api').groups).toEqual(['cloud_cpu_nodes']);
  });

  it('draws workloads in one row and node groups in the next, so arrows only run from a workload to a group', () => {
    const diagram = readme.slice(readme.indexOf('```mermaid'), readme.indexOf('```', readme.indexOf('```mermaid') + 3));
    const boxes = [...diagram.matchAll(/^  subgraph (\w+)\[/gm)].map((m) => m[1]);
    expect(boxes).toEqual(['daemonsets', 'workloads', 'hybrid', 'cloud']);
    // arrows are declared after every box, and always start at a workload (w<n>) and end at a group
    const arrows = [...diagram.matchAll(/^  (\S+) (==>|-->) (\S+)$/gm)];
    expect(arrows.length).toBeGreaterThan(0);
    for (const [, from, kind, to] of arrows) {
      expect(from).toMatch(/^w\d+$/);
      expect(to).toMatch(/^(pool|cloud)_/);
      const shape = new RegExp(`^    ${from}(\\{\\{|\\()"(\\w+)<br/>`, 'm').exec(diagram)!;
      expect(kind === '==>', from).toBe(shape[2] === 'DaemonSet');
    }
    // the legend says what the arrows mean
    expect(readme).toContain('- **Thick arrow** (from a DaemonSet): one pod on every node of that group.');
    expect(readme).toContain('- **Thin arrow** (from a Deployment, Job or Pod)');
  });

  it('reports workloads that fit nowhere', () => {
    const orphan: RenderedFile = {
      path: '99-x.yaml',
      chart: 'x',
      objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'lost', namespace: 'x' }, spec: { template: { spec: { nodeSelector: { nowhere: 'true' }, containers: [] } } } }],
    };
    const placed = placeWorkloads([orphan], nodeGroups(build.site.config));
    expect(placed).toEqual([{ id: 'w0', kind: 'Deployment', name: 'x/lost', component: '', groups: [] }]);
  });

  it('summarises the cost and links the setup files', () => {
    expect(readme).toContain('**$12,613.12 a month**');
    expect(readme).toContain('[COST.md](COST.md)');
    expect(readme).toContain('[nodes/gpu-h100.nodeconfig.yaml](nodes/gpu-h100.nodeconfig.yaml)');
    expect(readme).toContain('[cluster/eksctl.yaml](cluster/eksctl.yaml)');
  });

  it('lists the guide deviations of rendered components only', () => {
    const rendered = new Set(componentRows(build.result.files).map((r) => r.component));
    for (const component of Object.keys(GUIDE_DEVIATIONS)) {
      if (rendered.has(component)) expect(readme).toContain(`### ${component}\n`);
    }
    expect(readme).toContain('### web-api\n');
    const dir = mkdtempSync(join(tmpdir(), 'ehc-readme-'));
    writeFileSync(join(dir, 'site.yaml'), `extends: ${resolve('sites/example.yaml')}\nregistry: {caFile: ${relative(dir, resolve('sites/example-harbor-ca.crt'))}}\nwebApi: {enabled: false}\n`);
    const without = buildSite(join(dir, 'site.yaml'), REGISTRY, { validate: false }).output.find((f) => f.path === 'README.md')!.content;
    expect(without).not.toContain('### web-api');
    expect(without).toContain('### cost-report');
  });

  it('says what each pool gets on the node side and why', () => {
    expect(readme).toContain(
      '- [nodes/gpu-h100.nodeconfig.yaml](nodes/gpu-h100.nodeconfig.yaml): nodeadm NodeConfig of pool gpu-h100: containerd 1.x drop-in with the complete CRI section',
    );
    expect(readme).toContain('default runtime `nvidia`\n');
    expect(readme).toContain('default runtime `runc`, CDI on; kubelet feature gate `DynamicResourceAllocation` (off by default on 1.33, needed by DRA)');
    expect(readme).toContain('`HasInstance` cannot parse the provider ID');
  });

  it('matches the snapshot', () => {
    expect(readme).toMatchSnapshot();
  });
});

/** The lines of one `## ` section of a README, from its heading up to the next one. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('site README, section by section', () => {
  // a 1.34 site with a CPU pool, a device-plugin pool without a GPU model and with a value-less taint,
  // a dra pool, containerd 2 on the servers and CoreDNS off (so nothing is never-pruned)
  let variant!: ReturnType<typeof buildSite>;
  let text!: string;
  setUp(() => {
    variant = buildSite(
      siteVariantFile({
        kubernetesVersion: '1.34',
        coredns: { enabled: false },
        nodeadm: { containerdMajor: 2 },
        nodePools: [
          { name: 'cpu', count: 3, vcpus: 64, gpu: { mode: 'none' } },
          { name: 'gpu-a', count: 1, vcpus: 128, taints: [{ key: 'dedicated', effect: 'NoSchedule' }], gpu: { mode: 'devicePlugin', perNode: 8 } },
          { name: 'gpu-dra', count: 2, vcpus: 224, labels: { gpu: 'h100' }, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }], gpu: { mode: 'dra', model: 'H100', perNode: 8 } },
        ],
      }),
      REGISTRY,
      { validate: false },
    );
    text = variant.output.find((f) => f.path === 'README.md')!.content;
  });

  it('opens with the site, the generator and the cluster, then eight sections in order, each set off by blank lines', () => {
    expect(text.split('\n').slice(0, 5)).toEqual([
      '# Site example',
      '',
      'Generated by eks-hybrid-charts 0.1.0 from the site config; edit the config and run `npm run synth`, never this folder.',
      '',
      'EKS cluster `my-hybrid-cluster` in ap-northeast-2, Kubernetes 1.34.',
    ]);
    const headings = ['## Prerequisites', '## Apply', '## Components', '## Placement', '## Node and cluster setup (not applied by kubectl)', '## Cost', '## Deviations from the guide'];
    expect(text.split('\n').filter((l) => l.startsWith('## '))).toEqual(headings);
    for (const heading of headings) expect(text, heading).toContain(`\n\n${heading}\n\n`);
    expect(section(text, '## Prerequisites')[2]).toBe(
      'Install these before applying; `npm run validate -- --site <site file> --cluster <kubeconfig>` reports what a cluster is missing.',
    );
  });

  it('Apply: the ApplySet commands, and the never-pruned folder only when something is in it', () => {
    expect(section(text, '## Apply')).toEqual([
      '## Apply',
      '',
      'With pruning (kubectl ApplySets: objects that left the config are deleted, nothing else); run from the repository root:',
      '',
      '```sh',
      'kubectl apply --server-side -f dist/example/applyset/crd.yaml',
      'kubectl wait --for=condition=Established crd/applysets.eks-hybrid-charts.io',
      'kubectl get -f dist/example/applyset/parent.yaml || kubectl create --field-manager=kubectl-applyset -f dist/example/applyset/parent.yaml',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=applysets.eks-hybrid-charts.io/example -k dist/example/',
      '```',
      '',
      'Argo CD and Flux: see the project README, section Deliver.',
      '',
    ]);
    // the example's CoreDNS ConfigMap is EKS's: updated, never deleted
    expect(section(readme, '## Apply').slice(9, 14)).toEqual([
      'kubectl apply --server-side --force-conflicts -k dist/example/never-pruned/',
      '```',
      '',
      '[never-pruned/](never-pruned/) holds objects we update but never delete (EKS created them).',
      'Argo CD and Flux: see the project README, section Deliver.',
    ]);
  });

  it('Components: one row per component with version, namespaces, images, object count and linked files', () => {
    const components = section(text, '## Components');
    expect(components.slice(0, 4)).toEqual(['## Components', '', '| Component | Version | Namespaces | Images | Objects | File |', '| --- | --- | --- | --- | ---: | --- |']);
    expect(components).toContain(
      '| harbor-ca-installer | 0.1.0 | `kube-system` | `docker.io/library/busybox:1.37.0`<br>`registry.k8s.io/pause:3.10` | 2 | [12-registry-ca-trust.yaml](12-registry-ca-trust.yaml) |',
    );
    expect(components).toContain('| nvidia-runtime-class | 0.1.0 | `(cluster)` | – | 1 | [19-nvidia-runtime-class.yaml](19-nvidia-runtime-class.yaml) |');
    expect(components.filter((l) => l.startsWith('| coredns '))).toEqual([]);
    expect(components.at(-1)).toBe('');
  });

  it('Placement: what the diagram shows and what its arrows mean, before the diagram', () => {
    expect(section(text, '## Placement').slice(0, 9)).toEqual([
      '## Placement',
      '',
      'Where each workload can run: its nodeSelector, required node affinity and tolerations matched against the labels and taints each pool registers (nodeadm NodeConfig) and each cloud node group has. Workloads are in the top row, node groups in the bottom row; every arrow runs from a workload down to a group it can run on, never from group to group.',
      '',
      '- **Thick arrow** (from a DaemonSet): one pod on every node of that group.',
      '- **Thin arrow** (from a Deployment, Job or Pod): each of its pods goes to one node of one of the groups its arrows point to.',
      '',
      '```mermaid',
      'flowchart TB',
    ]);
    expect(section(text, '## Placement').slice(-2)).toEqual(['```', '']);
  });

  it('describes each pool and cloud node group: size, GPUs (model or "GPU") and mode, instance type', () => {
    expect(nodeGroups(variant.site.config).map((g) => [g.id, g.kind, g.detail])).toEqual([
      ['pool_cpu', 'hybrid', '3 × 64 vCPU'],
      ['pool_gpu_a', 'hybrid', '1 × 128 vCPU, 8 × GPU (devicePlugin)'],
      ['pool_gpu_dra', 'hybrid', '2 × 224 vCPU, 8 × H100 (dra)'],
      ['cloud_cpu_nodes', 'cloud', 'm5.xlarge, 1–10 nodes'],
      ['cloud_gpu_nodes', 'cloud', 'g5.xlarge (NVIDIA GPU), 1–5 nodes'],
    ]);
    expect(nodeGroups(variant.site.config)[0].labels).toMatchObject({ 'eks.amazonaws.com/compute-type': 'hybrid' });
    expect(text).toContain('    pool_gpu_a["<b>gpu-a</b><br/>1 × 128 vCPU, 8 × GPU (devicePlugin)<br/>taint dedicated:NoSchedule"]\n');
    expect(text).toContain('    pool_cpu["<b>cpu</b><br/>3 × 64 vCPU"]\n');
  });

  it('Node and cluster setup: per pool what its servers get beyond nodeadm (containerd 2: only the changes; no kubelet gate on 1.34), then eksctl', () => {
    expect(section(text, '## Node and cluster setup (not applied by kubectl)')).toEqual([
      '## Node and cluster setup (not applied by kubectl)',
      '',
      "- [nodes/cpu.nodeconfig.yaml](nodes/cpu.nodeconfig.yaml): nodeadm NodeConfig of pool cpu: nodeadm's containerd config unchanged",
      '- [nodes/gpu-a.nodeconfig.yaml](nodes/gpu-a.nodeconfig.yaml): nodeadm NodeConfig of pool gpu-a: containerd 2.x drop-in with only the changes (2.x merges key by key): runtime `nvidia` defined, default runtime `nvidia`',
      '- [nodes/gpu-dra.nodeconfig.yaml](nodes/gpu-dra.nodeconfig.yaml): nodeadm NodeConfig of pool gpu-dra: containerd 2.x drop-in with only the changes (2.x merges key by key): runtime `nvidia` defined, default runtime `runc`, CDI on',
      '- [cluster/eksctl.yaml](cluster/eksctl.yaml): eksctl ClusterConfig (cluster, remote networks, cloud node groups); create with `eksctl create cluster -f cluster/eksctl.yaml --install-nvidia-plugin=false`',
      '',
    ]);
    // containerd 1.7 on 1.33: the complete CRI section, and the DRA gate the kubelet lacks
    expect(readme).toContain(
      "- [nodes/gpu-h100-dra.nodeconfig.yaml](nodes/gpu-h100-dra.nodeconfig.yaml): nodeadm NodeConfig of pool gpu-h100-dra: containerd 1.x drop-in with the complete CRI section (1.7 would otherwise drop nodeadm's runc, sandbox image and certs.d paths): runtime `nvidia` defined, default runtime `runc`, CDI on; kubelet feature gate `DynamicResourceAllocation` (off by default on 1.33, needed by DRA)\n",
    );
  });

  it('Cost: the tiered monthly price, the vCPUs behind it and the flat figure for comparison', () => {
    expect(section(text, '## Cost')).toEqual([
      '## Cost',
      '',
      "EKS Hybrid Nodes: **$11,212.80 a month** for 768 vCPUs (560,640 vCPU-hours, tiered AWS price); the guide's flat rate would say $61,614.34. Per pool and per tier: [COST.md](COST.md).",
      '',
    ]);
  });

  it('Deviations: each rendered component under its own heading, every deviation as a Guide/Here pair', () => {
    const lines = section(text, '## Deviations from the guide');
    const headings = lines.filter((l) => l.startsWith('### ')).map((l) => l.slice(4));
    expect(headings).not.toContain('coredns');
    expect(headings).toContain('nodeadm-nodeconfig');
    expect(headings.slice(-2)).toEqual(['eksctl-cluster-config', 'cost-report']);
    const cost = GUIDE_DEVIATIONS['cost-report'];
    const at = lines.indexOf('### cost-report');
    expect(lines.slice(at)).toEqual(['### cost-report', '', ...cost.flatMap((d) => [`- Guide: ${d.guide}`, `  Here: ${d.here}`]), '', '']);
    const nodeadm = GUIDE_DEVIATIONS['nodeadm-nodeconfig'];
    expect(nodeadm.length).toBeGreaterThan(1);
    const n = lines.indexOf('### nodeadm-nodeconfig');
    expect(lines.slice(n, n + 3 + 2 * nodeadm.length)).toEqual(['### nodeadm-nodeconfig', '', ...nodeadm.flatMap((d) => [`- Guide: ${d.guide}`, `  Here: ${d.here}`]), '']);
  });

  it('names no nodeadm deviation for a site without hybrid pools', () => {
    const noPools = siteReadme({ ...variant.site, config: { ...variant.site.config, nodePools: [] } }, variant.result.files);
    expect(noPools).not.toContain('### nodeadm-nodeconfig');
    expect(noPools).toContain('### eksctl-cluster-config');
    expect(section(noPools, '## Node and cluster setup (not applied by kubectl)').slice(2)).toEqual([
      '- [cluster/eksctl.yaml](cluster/eksctl.yaml): eksctl ClusterConfig (cluster, remote networks, cloud node groups); create with `eksctl create cluster -f cluster/eksctl.yaml --install-nvidia-plugin=false`',
      '',
    ]);
  });

  it('lists the workloads that fit no node group after the diagram, and says nothing when all fit', () => {
    expect(text).not.toContain('fit no node group');
    const lost: RenderedFile = {
      path: '99-x.yaml',
      chart: 'x',
      objects: [
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'lost', namespace: 'x' }, spec: { template: { spec: { nodeSelector: { nowhere: 'true' }, containers: [] } } } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'x' }, spec: { nodeSelector: { nowhere: 'true' }, containers: [] } },
      ],
    };
    const withLost = siteReadme(variant.site, [...variant.result.files, lost]);
    const placement = section(withLost, '## Placement');
    expect(placement.slice(placement.indexOf('```', 8))).toEqual([
      '```',
      '',
      '**Workloads that fit no node group** (they stay Pending unless other nodes exist):',
      '',
      '- Deployment x/lost',
      '- Pod x/stray',
      '',
    ]);
  });
});

describe('component rows', () => {
  const meta = (name: string, labels?: Record<string, string>, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });
  it('group objects by component label (else the chart), in file order, with versions, namespaces, images and files', () => {
    const c = (component: string, version?: string) => ({ 'app.kubernetes.io/component': component, ...(version ? { 'app.kubernetes.io/version': version } : {}) });
    const files: RenderedFile[] = [
      {
        path: '20-b.yaml',
        chart: 'b',
        objects: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: meta('zeta', c('b', '1.0')) },
          { apiVersion: 'v1', kind: 'Pod', metadata: meta('p', c('b', '1.1'), 'alpha'), spec: { containers: [{ name: 'x', image: 'z/img:2' }, { name: 'y', image: 'a/img:1' }, { name: 'w' }] } },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('r', c('b')) },
        ],
      },
      { path: '30-plain.yaml', chart: 'plain', objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cm', undefined, 'alpha') }] },
      {
        path: '40-b2.yaml',
        chart: 'b2',
        objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d', c('b', '1.0'), 'alpha'), spec: { template: { spec: { containers: [{ name: 'x', image: 'a/img:1' }] } } } }],
      },
    ];
    expect(componentRows(files)).toEqual([
      { component: 'b', version: '1.0, 1.1', namespaces: ['(cluster)', 'alpha', 'zeta'], images: ['a/img:1', 'z/img:2'], files: ['20-b.yaml', '40-b2.yaml'], objects: 4 },
      { component: 'plain', version: '', namespaces: ['alpha'], images: [], files: ['30-plain.yaml'], objects: 1 },
    ]);
  });

  it('tables them: a dash for a missing version or no images, every file linked', () => {
    expect(
      componentTable([
        { component: 'b', version: '1.0, 1.1', namespaces: ['(cluster)', 'alpha'], images: ['a/img:1', 'z/img:2'], files: ['20-b.yaml', '40-b2.yaml'], objects: 4 },
        { component: 'plain', version: '', namespaces: ['alpha'], images: [], files: ['30-plain.yaml'], objects: 1 },
      ]),
    ).toEqual([
      '| Component | Version | Namespaces | Images | Objects | File |',
      '| --- | --- | --- | --- | ---: | --- |',
      '| b | 1.0, 1.1 | `(cluster)`<br>`alpha` | `a/img:1`<br>`z/img:2` | 4 | [20-b.yaml](20-b.yaml) [40-b2.yaml](40-b2.yaml) |',
      '| plain | – | `alpha` | – | 1 | [30-plain.yaml](30-plain.yaml) |',
    ]);
  });
});

describe('placement diagram', () => {
  const groups: NodeGroup[] = [
    { id: 'pool_a', kind: 'hybrid', name: 'a', labels: {}, taints: [{ key: 'k', effect: 'NoSchedule' }, { key: 'gpu', value: 'yes', effect: 'NoExecute' }], detail: '1 × 8 vCPU' },
    { id: 'cloud_b', kind: 'cloud', name: 'b "big"', labels: {}, taints: [], detail: 'm5.large, 1–2 nodes' },
  ];
  it('boxes DaemonSets and other workloads apart, then on-prem and cloud groups, then one arrow per fit (thick from DaemonSets)', () => {
    const workloads = [
      { id: 'w0', kind: 'DaemonSet', name: 'ns/ds', component: 'c', groups: ['pool_a', 'cloud_b'] },
      { id: 'w1', kind: 'Job', name: 'ns/j', component: 'c', groups: ['cloud_b'] },
      { id: 'w2', kind: 'Pod', name: 'ns/p', component: 'c', groups: [] },
    ];
    expect(placementDiagram(groups, workloads)).toEqual([
      '```mermaid',
      'flowchart TB',
      '  subgraph daemonsets["DaemonSets: a pod on every node of each group (thick arrows)"]',
      '    direction LR',
      '    w0{{"DaemonSet<br/>ns/ds"}}',
      '  end',
      '  subgraph workloads["Deployments, Jobs, Pods: each pod on one node of one of the groups (thin arrows)"]',
      '    direction LR',
      '    w1("Job<br/>ns/j")',
      '    w2("Pod<br/>ns/p")',
      '  end',
      '  subgraph hybrid["On-prem hybrid nodes"]',
      '    direction LR',
      '    pool_a["<b>a</b><br/>1 × 8 vCPU<br/>taint k:NoSchedule, gpu=yes:NoExecute"]',
      '  end',
      '  subgraph cloud["AWS cloud node groups"]',
      '    direction LR',
      '    cloud_b["<b>b #quot;big#quot;</b><br/>m5.large, 1–2 nodes"]',
      '  end',
      '  w0 ==> pool_a',
      '  w0 ==> cloud_b',
      '  w1 --> cloud_b',
      '```',
    ]);
  });

  it('leaves out empty boxes', () => {
    expect(placementDiagram([groups[1]], [{ id: 'w0', kind: 'Deployment', name: 'ns/d', component: 'c', groups: ['cloud_b'] }])).toEqual([
      '```mermaid',
      'flowchart TB',
      '  subgraph workloads["Deployments, Jobs, Pods: each pod on one node of one of the groups (thin arrows)"]',
      '    direction LR',
      '    w0("Deployment<br/>ns/d")',
      '  end',
      '  subgraph cloud["AWS cloud node groups"]',
      '    direction LR',
      '    cloud_b["<b>b #quot;big#quot;</b><br/>m5.large, 1–2 nodes"]',
      '  end',
      '  w0 --> cloud_b',
      '```',
    ]);
    expect(placementDiagram([groups[0]], [{ id: 'w0', kind: 'DaemonSet', name: 'ns/ds', component: 'c', groups: [] }]).slice(2, 4)).toEqual([
      '  subgraph daemonsets["DaemonSets: a pod on every node of each group (thick arrows)"]',
      '    direction LR',
    ]);
    expect(placementDiagram([groups[0]], [{ id: 'w0', kind: 'DaemonSet', name: 'ns/ds', component: 'c', groups: [] }])).not.toContain('  subgraph cloud["AWS cloud node groups"]');
  });
});
