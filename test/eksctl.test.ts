import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EKSCTL_PATH } from '../lib/artifacts/eksctl';
import { podSpecOf } from '../lib/validate/policy/pods';
import { buildSite } from '../lib/pipeline/pipeline';
import { siteVariantFile } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };

interface NodeGroup {
  name: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  tags: Record<string, string>;
  [key: string]: unknown;
}

function clusterConfig(file: string) {
  const build = buildSite(file, REGISTRY, { validate: false });
  const out = build.output.find((f) => f.path === EKSCTL_PATH);
  expect(out, `${EKSCTL_PATH} is written`).toBeDefined();
  return { build, text: out!.content, doc: parse(out!.content) as Record<string, any> };
}

function siteFile(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-eksctl-'));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, `extends: ${resolve('sites/example.yaml')}\nregistry: {caFile: ${relative(dir, resolve('sites/example-harbor-ca.crt'))}}\n${extra}`);
  return file;
}

describe('eksctl ClusterConfig of the example site', () => {
  let build!: ReturnType<typeof clusterConfig>['build'];
  let doc!: ReturnType<typeof clusterConfig>['doc'];
  let text!: string;
  setUp(() => {
    ({ build, doc, text } = clusterConfig('sites/example.yaml'));
  });

  it('describes the cluster of the site config', () => {
    expect(doc.apiVersion).toBe('eksctl.io/v1alpha5');
    expect(doc.kind).toBe('ClusterConfig');
    expect(doc.metadata).toEqual({ name: 'my-hybrid-cluster', region: 'ap-northeast-2', version: '1.33' });
    expect(doc.kubernetesNetworkConfig.serviceIPv4CIDR).toBe('10.96.0.0/16');
    expect(doc.vpc.cidr).toBe('10.0.0.0/16');
    // hybrid nodes: public or private endpoint, never both
    expect(doc.vpc.clusterEndpoints.publicAccess !== doc.vpc.clusterEndpoints.privateAccess).toBe(true);
    // hybrid nodes join through HYBRID_LINUX access entries, which need the API authentication mode
    expect(doc.accessConfig).toEqual({ authenticationMode: 'API_AND_CONFIG_MAP' });
  });

  it('declares the remote node and pod networks and the SSM credential provider', () => {
    expect(doc.remoteNetworkConfig).toEqual({
      iam: { provider: 'SSM' },
      vpcGatewayID: '${VPC_GATEWAY_ID}',
      remoteNodeNetworks: [{ cidrs: ['192.168.0.0/16'] }],
      remotePodNetworks: [{ cidrs: ['10.244.0.0/16'] }],
    });
  });

  it('names the VPC gateway eksctl requires: from the config, else a placeholder the header explains', () => {
    const content = (file: string) => buildSite(file, { charts: CHARTS, artifacts: ARTIFACTS }).output.find((f) => f.path === EKSCTL_PATH)!.content;
    expect(content('sites/example.yaml')).toMatch(/^# Set the Transit or Virtual Private Gateway first: VPC_GATEWAY_ID=tgw-/m);
    const withGateway = content(siteVariantFile({ eksctl: { vpcGatewayId: 'tgw-0123456789abcdef0' } }));
    expect(parse(withGateway).remoteNetworkConfig.vpcGatewayID).toBe('tgw-0123456789abcdef0');
    expect(withGateway).not.toMatch(/VPC_GATEWAY_ID/);
  });

  it('has the guide\'s cpu-nodes and gpu-nodes managed node groups with labels and taints', () => {
    const groups = doc.managedNodeGroups as NodeGroup[];
    expect(groups.map((g) => g.name)).toEqual(['cpu-nodes', 'gpu-nodes']);
    expect(groups[0]).toMatchObject({ instanceType: 'm5.xlarge', desiredCapacity: 3, minSize: 1, maxSize: 10, labels: { 'node-type': 'cpu', workload: 'general' } });
    expect(groups[1]).toMatchObject({ instanceType: 'g5.xlarge', desiredCapacity: 2, minSize: 1, maxSize: 5, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] });
    // a group without taints gets no taints key (eksctl would read an empty list the same; the file stays short)
    expect(groups[0]).not.toHaveProperty('taints');
  });

  it('tags every node group with what cluster-autoscaler discovers, as its rendered flag asks', () => {
    const deployment = build.result.files.flatMap((f) => f.objects).find((o) => o.kind === 'Deployment' && o.metadata.name === 'cluster-autoscaler');
    expect(deployment, 'the example renders cluster-autoscaler').toBeDefined();
    const args = podSpecOf(deployment!)!.spec.containers!.flatMap((c) => [...((c as { command?: string[] }).command ?? []), ...((c as { args?: string[] }).args ?? [])]);
    const flag = args.find((a) => a.startsWith('--node-group-auto-discovery='));
    expect(flag).toMatch(/^--node-group-auto-discovery=asg:tag=/);
    const wanted = flag!.replace('--node-group-auto-discovery=asg:tag=', '').split(',');
    expect(wanted.length).toBeGreaterThan(0);
    for (const group of doc.managedNodeGroups as NodeGroup[]) {
      for (const tag of wanted) {
        const [key, value] = tag.split('=');
        expect(group.tags, `${group.name} lacks ${tag}`).toHaveProperty([key]);
        if (value !== undefined) expect(group.tags[key]).toBe(value);
      }
      expect(group.propagateASGTags).toBe(true);
    }
  });

  it('adds node-template tags so the autoscaler can scale a group up from zero', () => {
    const gpu = (doc.managedNodeGroups as NodeGroup[])[1];
    expect(gpu.tags).toMatchObject({
      'k8s.io/cluster-autoscaler/node-template/label/node-type': 'gpu',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
    });
  });

  it('is not listed in kustomization.yaml', () => {
    expect(build.output.find((f) => f.path === 'kustomization.yaml')!.content).not.toContain('cluster/');
  });

  it('matches the snapshot', () => {
    expect(text).toMatchSnapshot();
  });
});

describe('eksctl ClusterConfig options', () => {
  it('uses IAM Roles Anywhere with a CA bundle and a private endpoint', () => {
    const file = siteFile('nodeadm: {credentialProvider: iamRolesAnywhere}\neksctl:\n  endpointAccess: private\n  caBundleCert: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----"\n');
    const { doc } = clusterConfig(file);
    expect(doc.remoteNetworkConfig.iam).toEqual({ provider: 'IRA', caBundleCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' });
    expect(doc.vpc.clusterEndpoints).toEqual({ publicAccess: false, privateAccess: true });
  });

  it('puts every remote CIDR into the one entry EKS accepts, and omits managedNodeGroups without groups', () => {
    const file = siteFile('networks: {remoteNodeNetworks: [192.168.0.0/24, 192.168.1.0/24]}\ncloudNodeGroups: []\nclusterAutoscaler: {enabled: false}\nsamples: {cloudGpuTest: {enabled: false}}\n');
    const { doc } = clusterConfig(file);
    expect(doc.remoteNetworkConfig.remoteNodeNetworks).toEqual([{ cidrs: ['192.168.0.0/24', '192.168.1.0/24'] }]);
    expect(doc).not.toHaveProperty('managedNodeGroups');
  });

  it('without cloud GPU node groups: no flag on the create command and no NVIDIA lines', () => {
    const { text } = clusterConfig(siteFile('cloudNodeGroups: []\nclusterAutoscaler: {enabled: false}\nsamples: {cloudGpuTest: {enabled: false}}\n'));
    expect(text.split('\n').find((l) => l.includes('Create with:'))).toBe(
      '# Generated from the site config: edit that instead. Not a cluster object. Create with: eksctl create cluster -f cluster/eksctl.yaml',
    );
    expect(text).not.toMatch(/NVIDIA|nvidia-plugin/);
  });

  describe("eksctl's own NVIDIA device plugin", () => {
    const createLine = (text: string) => text.split('\n').find((l) => l.includes('Create with:'))!;

    it('is turned off when our device plugin covers the NVIDIA node groups (the example)', () => {
      const { text } = clusterConfig('sites/example.yaml');
      expect(createLine(text)).toMatch(/eksctl create cluster -f cluster\/eksctl\.yaml --install-nvidia-plugin=false$/);
      expect(text).toContain('# NVIDIA node groups gpu-nodes (g5.xlarge): this site\'s NVIDIA device plugin (kube-system/nvidia-device-plugin-daemonset) runs on them');
      expect(text).toContain('eksctl create nodegroup');
    });

    it('is left to eksctl when our device plugin is off', () => {
      const { text } = clusterConfig(siteFile('devicePlugin: {enabled: false}\nsamples: {gpuTest: {enabled: false}, gpuTraining: {enabled: false}}\n'));
      expect(createLine(text)).toMatch(/eksctl create cluster -f cluster\/eksctl\.yaml$/);
      expect(text).toContain("devicePlugin.enabled is false, so eksctl's own NVIDIA device plugin serves them");
    });

    it('is not mentioned without an NVIDIA node group', () => {
      const { text } = clusterConfig(siteFile('cloudNodeGroups: [{name: cpu, instanceType: m5.large, minSize: 1, maxSize: 2, desiredCapacity: 1}, {name: amd, instanceType: g4ad.xlarge, minSize: 0, maxSize: 1, desiredCapacity: 0}]\nsamples: {cloudGpuTest: {enabled: false}}\n'));
      expect(text).not.toContain('nvidia');
      expect(text).not.toContain('NVIDIA');
      // groups without labels or taints get neither key
      const groups = (parse(text) as { managedNodeGroups: NodeGroup[] }).managedNodeGroups;
      for (const g of groups) {
        expect(g, g.name).not.toHaveProperty('labels');
        expect(g, g.name).not.toHaveProperty('taints');
      }
    });
  });

  it('opens with what the file is, how to create the cluster, what eksctl must not install and what to fill in', () => {
    const { text } = clusterConfig('sites/example.yaml');
    expect(text.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      '# eksctl ClusterConfig of site example: the EKS cluster, its remote (hybrid) networks and the cloud node groups.',
      '# Generated from the site config: edit that instead. Not a cluster object. Create with: eksctl create cluster -f cluster/eksctl.yaml --install-nvidia-plugin=false',
      "# NVIDIA node groups gpu-nodes (g5.xlarge): this site's NVIDIA device plugin (kube-system/nvidia-device-plugin-daemonset) runs on them, so",
      '# eksctl must not install its own: pass --install-nvidia-plugin=false to eksctl create cluster and eksctl create nodegroup (no ClusterConfig field exists).',
      "# Created without the flag, eksctl's plugin is that same DaemonSet: the next apply of dist/ takes it over, pinned to the GPU nodes.",
      '# eksctl sets remoteNetworkConfig only at cluster creation; later changes go through the EKS API (UpdateClusterConfig).',
      '# Set the Transit or Virtual Private Gateway first: VPC_GATEWAY_ID=tgw-… envsubst < cluster/eksctl.yaml > eksctl.yaml (or set eksctl.vpcGatewayId).',
    ]);
    // two NVIDIA groups are named together; with a gateway ID there is nothing to fill in
    const { text: two } = clusterConfig(
      siteFile(
        'eksctl: {vpcGatewayId: tgw-0123456789abcdef0}\ncloudNodeGroups:\n  - {name: a100, instanceType: p4d.24xlarge, minSize: 0, maxSize: 1, desiredCapacity: 0, taints: [{key: nvidia.com/gpu, value: "true", effect: NoSchedule}]}\n  - {name: l4, instanceType: g6.xlarge, minSize: 0, maxSize: 2, desiredCapacity: 0, taints: [{key: nvidia.com/gpu, value: "true", effect: NoSchedule}]}\nclusterAutoscaler: {enabled: false}\nwebApi: {enabled: false}\n',
      ),
    );
    expect(two).toContain("\n# NVIDIA node groups a100 (p4d.24xlarge), l4 (g6.xlarge): this site's NVIDIA device plugin");
    expect(two).not.toContain('VPC_GATEWAY_ID');
    expect(two.split('\n').filter((l) => l.startsWith('#')).at(-1)).toBe('# eksctl sets remoteNetworkConfig only at cluster creation; later changes go through the EKS API (UpdateClusterConfig).');
  });

  it('rejects node group sizes out of order', () => {
    const file = siteFile('cloudNodeGroups:\n  - {name: a, instanceType: m5.large, minSize: 3, maxSize: 2, desiredCapacity: 5}\n');
    expect(() => buildSite(file, REGISTRY)).toThrowError(`${file}: cloudNodeGroups[0].minSize: must not exceed maxSize (2) (got 3)`);
  });
});

describe('eksctl IAM Roles Anywhere fields in their place (issue 21)', () => {
  const ROLE = 'arn:aws:iam::111122223333:role/HybridNodes';
  const ira = `nodeadm:\n  credentialProvider: iamRolesAnywhere\n  iamRolesAnywhere:\n    roleArn: ${ROLE}\n`;

  it('without a CA bundle, names the existing Hybrid Nodes role as remoteNetworkConfig.iam.roleARN', () => {
    const { doc } = clusterConfig(siteFile(ira));
    expect(doc.remoteNetworkConfig.iam).toEqual({ provider: 'IRA', roleARN: ROLE });
    expect(Object.keys(doc.remoteNetworkConfig).sort()).toEqual(['iam', 'remoteNodeNetworks', 'remotePodNetworks', 'vpcGatewayID']);
  });

  it('with a CA bundle, eksctl creates the role itself: the CA bundle only, no roleARN', () => {
    const { doc } = clusterConfig(siteFile(`${ira}eksctl:\n  caBundleCert: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----"\n`));
    expect(doc.remoteNetworkConfig.iam).toEqual({ provider: 'IRA', caBundleCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' });
  });

  it('with SSM, writes neither field even when a role ARN is configured (a CA bundle without IAM Roles Anywhere is a config error)', () => {
    const { doc } = clusterConfig(siteFile(`nodeadm:\n  iamRolesAnywhere:\n    roleArn: ${ROLE}\n`));
    expect(doc.remoteNetworkConfig.iam).toEqual({ provider: 'SSM' });
  });
});
