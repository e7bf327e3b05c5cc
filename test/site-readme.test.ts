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
import { componentRows, nodeGroups, placeWorkloads, podFits, type NodeGroup } from '../lib/artifacts/site-readme';
import { setUp } from './helpers/set-up';

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
