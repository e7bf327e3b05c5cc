import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import { exampleValueAdvice } from '../lib/site/advice';
import { loadSite } from '../lib/site/site';
import { siteWith, type SiteDocument } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';
import { exampleFor, loadSiteVariant, withoutDra } from './helpers/site-variant';

const AUTOSCALER_1_32 =
  'clusterAutoscaler.enabled: cluster-autoscaler 1.32 stops its whole loop at the first hybrid node ' +
  '("wrong id … eks-hybrid:///", kubernetes/autoscaler#8045, fixed from 1.33); on this version it scales nothing while hybrid nodes are joined';

/** The example's edit for 1.32, where the DRA driver cannot run: its dra pool and what uses it dropped. */
function dropDra(doc: SiteDocument): void {
  doc.nodePools = doc.nodePools.filter((p: { gpu?: { mode?: string } }) => p.gpu?.mode !== 'dra');
  doc.dra = { claimTemplates: [] };
  doc.samples.mlTraining = { enabled: false };
}

describe('config advice (warnings that do not stop the render)', () => {
  it('warns that cluster-autoscaler below 1.33 stops at the first hybrid node', () => {
    expect(exampleFor('1.32').warnings.join('\n')).toMatch(/^clusterAutoscaler\.enabled: cluster-autoscaler 1\.32 stops its whole loop/m);
    expect(exampleFor('1.33').warnings.join('\n')).not.toMatch(/clusterAutoscaler/);
  });

  it('says nothing about the autoscaler when it is off or no hybrid node is joined', () => {
    expect(loadSiteVariant({ clusterAutoscaler: { enabled: false } }, { kubernetesVersion: '1.33' }).warnings.join('\n')).not.toMatch(/clusterAutoscaler/);
    const off = exampleFor('1.31');
    expect(off.warnings.some((w) => w.startsWith('clusterAutoscaler'))).toBe(true);
  });

  it('warns about the autoscaler below 1.33 when it is enabled and any hybrid pool has servers', () => {
    expect(exampleFor('1.32').warnings).toEqual([AUTOSCALER_1_32]);
    // one pool with servers beside one without is enough
    const spare = siteWith((doc) => {
      dropDra(doc);
      doc.nodePools.push({ ...doc.nodePools[0], name: 'gpu-spare', count: 0 });
    }, '1.32');
    expect(spare.config.nodePools.map((p) => p.count)).toEqual([2, 0]);
    expect(spare.warnings).toEqual([AUTOSCALER_1_32]);
    // pools without servers: no hybrid node joined yet, nothing to stop at
    const empty = siteWith((doc) => {
      dropDra(doc);
      doc.nodePools[0].count = 0;
    }, '1.32');
    expect(empty.config.nodePools.map((p) => p.count)).toEqual([0]);
    expect(empty.warnings).toEqual([]);
    expect(loadSiteVariant({ ...withoutDra(), clusterAutoscaler: { enabled: false } }, { kubernetesVersion: '1.32' }).warnings).toEqual([]);
  });

  it('warns when kube-system pods pull through a Harbor proxy cache without a pull secret', () => {
    const proxied = { registry: { proxyCache: { 'nvcr.io': 'nvcr-proxy' } } };
    expect(loadSiteVariant(proxied).warnings.join('\n')).toMatch(/^registry\.proxyCache: images of nvcr\.io are pulled through Harbor/m);
    expect(loadSiteVariant({ ...proxied, pullSecrets: { includeKubeSystem: true } }).warnings.join('\n')).not.toMatch(/proxyCache/);
    expect(loadSite('sites/example.yaml').warnings.join('\n')).not.toMatch(/proxyCache/);
  });

  it('names every proxied registry in the proxy-cache warning', () => {
    const proxied = loadSiteVariant({ registry: { proxyCache: { 'nvcr.io': 'nvcr-proxy', 'docker.io': 'dockerhub-proxy' } } }, { kubernetesVersion: '1.34' });
    expect(proxied.warnings).toEqual([
      'registry.proxyCache: images of nvcr.io, docker.io are pulled through Harbor, also by kube-system pods (device plugin, cluster-autoscaler), ' +
        'which get no pull secret unless pullSecrets.includeKubeSystem is true: make those proxy-cache projects public in Harbor or set it',
    ]);
  });

  it("warns about DRA below 1.34 (beta API, kubelet gate, the driver docs' 1.34.2+), and only for DRA pools", () => {
    expect(loadSite('sites/example.yaml').warnings).toContain(
      "nodePools: DRA on Kubernetes 1.33 uses the beta resource.k8s.io API and needs the kubelet's DynamicResourceAllocation gate (set in the NodeConfigs); " +
        "the NVIDIA DRA driver's own docs ask for Kubernetes 1.34.2 or later (its code falls back to resource.k8s.io/v1beta1, so it runs here) and AWS recommends 1.34 or later",
    );
    expect(loadSite('sites/example.yaml', { kubernetesVersion: '1.34' }).warnings.join('\n')).not.toMatch(/DRA/);
    expect(exampleFor('1.32').warnings.join('\n')).not.toMatch(/DRA/);
  });
});

describe('config advice on settings that do nothing or put workloads at risk', () => {
  const dpPools = (doc: Record<string, any>) => doc.nodePools.filter((p: { gpu?: { mode?: string } }) => p.gpu?.mode === 'devicePlugin');

  it("warns that eksctl's own device plugin would share the dra nodes when ours is off and a cloud group has NVIDIA instances", () => {
    const warning = /^devicePlugin\.enabled: false, so eksctl installs NVIDIA's static device plugin .* lands on dra pool gpu-h100-dra beside the DRA driver/m;
    const off = siteWith((doc) => {
      doc.devicePlugin = { enabled: false };
      doc.samples = { gpuTest: { enabled: false }, gpuTraining: { enabled: false } };
    });
    expect(off.warnings.join('\n')).toMatch(warning);
    const noCloudGpu = siteWith((doc) => {
      doc.devicePlugin = { enabled: false };
      doc.samples = { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, cloudGpuTest: { enabled: false } };
      doc.cloudNodeGroups = doc.cloudNodeGroups.filter((g: { name: string }) => g.name !== 'gpu-nodes');
    });
    expect(noCloudGpu.warnings.join('\n')).not.toMatch(warning);
    expect(siteWith(() => {}).warnings.join('\n')).not.toMatch(warning);
  });

  it('names every dra pool the static device plugin would land on, and says nothing without a dra pool', () => {
    const pluginOff = (doc: SiteDocument) => {
      doc.devicePlugin = { enabled: false };
      doc.samples.gpuTest = { enabled: false };
      doc.samples.gpuTraining = { enabled: false };
    };
    const twoDra = siteWith((doc) => {
      pluginOff(doc);
      doc.nodePools.push({ ...doc.nodePools[1], name: 'gpu-a100-dra' });
    }, '1.34');
    expect(twoDra.warnings).toEqual([
      "devicePlugin.enabled: false, so eksctl installs NVIDIA's static device plugin for the cloud NVIDIA node groups; it has no node selector " +
        'and tolerates nvidia.com/gpu, so it also lands on dra pool gpu-h100-dra, gpu-a100-dra beside the DRA driver (GPUs advertised twice) ' +
        'unless those pools carry another taint: keep devicePlugin.enabled (it then covers the cloud groups and eksctl is told not to install its own)',
    ]);
    const noDra = siteWith((doc) => {
      pluginOff(doc);
      dropDra(doc);
    }, '1.34');
    // the cloud NVIDIA group is still there, so only the missing dra pool keeps the warning away
    expect(noDra.config.cloudNodeGroups.map((g) => g.instanceType)).toContain('g5.xlarge');
    expect(noDra.warnings).toEqual([]);
  });

  it('warns when devicePlugin or draDriver settings are changed on a site where that component has no node to run on', () => {
    const noDevicePluginPool = siteWith((doc) => {
      doc.nodePools = doc.nodePools.filter((p: { gpu?: { mode?: string } }) => p.gpu?.mode !== 'devicePlugin');
      doc.cloudNodeGroups = doc.cloudNodeGroups.filter((g: { instanceType: string }) => !g.instanceType.startsWith('g5.'));
      doc.samples = { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, cloudGpuTest: { enabled: false } };
      doc.devicePlugin = { image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.2', nvidiaRuntimeClass: true };
      doc.draDriver = { logVerbosity: 6 };
    }, '1.34');
    // only the changed settings (not the defaults beside them); the DRA driver does run there, so its setting takes effect
    expect(noDevicePluginPool.warnings).toEqual([
      'devicePlugin.image: set, but the device plugin does not run on this site (no devicePlugin pool, no cloud node group with NVIDIA instances): it has no effect',
      'devicePlugin.nvidiaRuntimeClass: set, but the device plugin does not run on this site (no devicePlugin pool, no cloud node group with NVIDIA instances): it has no effect',
    ]);
    const noDraPool = siteWith((doc) => {
      doc.nodePools = dpPools(doc);
      doc.dra = { claimTemplates: [] };
      doc.samples = { mlTraining: { enabled: false } };
      doc.draDriver = { logVerbosity: 6 };
    }, '1.34');
    // the defaults of draDriver.computeDomains, a section within the section, count as unchanged
    expect(noDraPool.warnings).toEqual(['draDriver.logVerbosity: set, but the DRA driver does not run on this site (no dra pool): it has no effect']);
    // a dra pool without servers yet still gets the driver rendered, with the setting
    const emptyDraPool = siteWith((doc) => {
      for (const p of doc.nodePools) if (p.gpu?.mode === 'dra') p.count = 0;
      doc.samples = { mlTraining: { enabled: false } };
      doc.draDriver = { logVerbosity: 6 };
    }, '1.34');
    expect(emptyDraPool.warnings.filter((w) => w.startsWith('draDriver.'))).toEqual([]);
  });

  it('says nothing about default settings, or settings of a component that runs', () => {
    expect(loadSite('sites/example.yaml').warnings.join('\n')).not.toMatch(/has no effect/);
    expect(siteWith((doc) => (doc.devicePlugin = { image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.2' })).warnings.join('\n')).not.toMatch(/has no effect/);
  });

  it('warns when operator-mode objects carry no label a Prometheus could select them by', () => {
    const unlabelled = siteWith((doc) => (doc.monitoring = { mode: 'operator' }), '1.34');
    expect(unlabelled.warnings).toEqual([
      'monitoring.operator.labels: empty: a Prometheus resource selects ScrapeConfigs, PodMonitors and ServiceMonitors by label ' +
        '(kube-prometheus-stack by release: <its release name>), so without the labels it selects nothing and nothing is scraped',
    ]);
    expect(loadSite('sites/example-operator.yaml').warnings.join('\n')).not.toMatch(/monitoring/);
    expect(loadSite('sites/example.yaml').warnings.join('\n')).not.toMatch(/monitoring/);
  });

  it('warns about every GPU pool without a taint, by its index, and about no CPU pool', () => {
    const untainted = siteWith((doc) => {
      for (const pool of doc.nodePools) pool.taints = [];
    });
    const warned = untainted.warnings.filter((w) => /^nodePools\[\d+\]\.taints:/.test(w));
    const gpuIndexes = untainted.config.nodePools.flatMap((p, i) => (p.gpu.mode === 'none' ? [] : [i]));
    expect(gpuIndexes.length).toBeGreaterThan(1);
    expect(warned.map((w) => Number(/^nodePools\[(\d+)\]/.exec(w)?.[1]))).toEqual(gpuIndexes);
    expect(warned[0]).toContain(`GPU pool ${untainted.config.nodePools[gpuIndexes[0]].name} has no taint`);
    expect(loadSite('sites/example.yaml').warnings.join('\n')).not.toMatch(/taints/);
  });

  it('says nothing about a pool without GPUs and without a taint', () => {
    const site = siteWith((doc) => {
      doc.nodePools[0].taints = [];
      doc.nodePools.push({ name: 'cpu', count: 2, vcpus: 64 });
    }, '1.34');
    expect(site.config.nodePools.map((p) => [p.name, p.gpu.mode, p.taints.length])).toEqual([
      ['gpu-h100', 'devicePlugin', 0],
      ['gpu-h100-dra', 'dra', 1],
      ['cpu', 'none', 0],
    ]);
    expect(site.warnings).toEqual([
      'nodePools[0].taints: GPU pool gpu-h100 has no taint, so pods that need no GPU (harbor-test, your own services) can be ' +
        'scheduled onto its GPU servers and take their CPU and memory; add e.g. {key: nvidia.com/gpu, value: present, effect: NoSchedule}',
    ]);
  });
});

describe('example values in a site that is not an example', () => {
  let example!: SiteConfig;
  let exampleCa!: string[];
  setUp(() => {
    const site = loadSite('sites/example.yaml');
    example = site.config;
    exampleCa = site.inputs.registryCa?.certificates.map((c) => c.subject) ?? [];
  });

  /** The example as site prod with a value of its own in every field of the example's identity. */
  const own = (): SiteConfig => ({
    ...example,
    name: 'prod',
    cluster: { ...example.cluster, name: 'prod-cluster' },
    registry: { ...example.registry, hostname: 'harbor.prod.internal' },
    dns: { ...example.dns, stubZones: [{ ...example.dns.stubZones[0], zone: 'corp.internal' }] },
    storage: { ...example.storage, nfs: { ...example.storage.nfs, server: '10.20.0.5', path: '/srv/prod' } },
    clusterAutoscaler: { ...example.clusterAutoscaler, iamRoleArn: 'arn:aws:iam::210987654321:role/prod-cluster-autoscaler' },
    pullSecrets: { ...example.pullSecrets, username: 'robot$prod', externalSecret: { ...example.pullSecrets.externalSecret, key: 'harbor/prod' } },
    cloudNodeGroups: example.cloudNodeGroups.map((g) => ({ ...g, name: `prod-${g.name}` })),
  });
  const PROD_CA = 'O=prod, CN=Prod Harbor CA';

  it('names each inherited value as found', () => {
    expect(exampleCa).toEqual(['O=eks-hybrid-charts example, CN=Example Harbor CA']);
    expect(exampleValueAdvice({ ...example, name: 'prod' }, exampleCa)).toEqual([
      `cluster.name: still the example's value (my-hybrid-cluster) on site prod: set this site's own (see "Overlays" in the README)`,
      `registry.hostname: still the example's value (harbor.yourdomain.com) on site prod: set this site's own (see "Overlays" in the README)`,
      `registry.caFile: still the example's value (the example's CA (CN=Example Harbor CA)) on site prod: set this site's own (see "Overlays" in the README)`,
      `dns.stubZones[0].zone: still the example's value (company.local) on site prod: set this site's own (see "Overlays" in the README)`,
      `storage.nfs: still the example's value (192.168.1.100:/export/data) on site prod: set this site's own (see "Overlays" in the README)`,
      `clusterAutoscaler.iamRoleArn: still the example's value (account 123456789012) on site prod: set this site's own (see "Overlays" in the README)`,
      `pullSecrets.username: still the example's value (robot$k8s-robot) on site prod: set this site's own (see "Overlays" in the README)`,
      `pullSecrets.externalSecret.key: still the example's value (harbor/robot-k8s-robot) on site prod: set this site's own (see "Overlays" in the README)`,
      `cloudNodeGroups: still the example's value (the example's cpu-nodes and gpu-nodes groups) on site prod: set this site's own (see "Overlays" in the README)`,
    ]);
  });

  it('says nothing for the examples themselves, nor for a site with values of its own', () => {
    expect(exampleValueAdvice(example, exampleCa)).toEqual([]);
    expect(exampleValueAdvice({ ...example, name: 'example-lab' }, exampleCa)).toEqual([]);
    expect(exampleValueAdvice(own(), [PROD_CA])).toEqual([]);
  });

  it("finds the example's CA among other certificates of the CA file", () => {
    expect(exampleValueAdvice(own(), [PROD_CA, ...exampleCa])).toEqual([
      `registry.caFile: still the example's value (the example's CA (CN=Example Harbor CA)) on site prod: set this site's own (see "Overlays" in the README)`,
    ]);
  });

  it("names the stub zone that is the example's by its index, and no other", () => {
    const zones = own().dns.stubZones;
    const site = { ...own(), dns: { ...example.dns, stubZones: [zones[0], { ...zones[0], zone: 'company.local' }] } };
    expect(exampleValueAdvice(site, [PROD_CA])).toEqual([
      `dns.stubZones[1].zone: still the example's value (company.local) on site prod: set this site's own (see "Overlays" in the README)`,
    ]);
  });

  it("warns about the NFS share only when it is enabled with both the example's server and path", () => {
    const nfs = (change: Partial<SiteConfig['storage']['nfs']>) =>
      exampleValueAdvice({ ...own(), storage: { ...example.storage, nfs: { ...own().storage.nfs, ...change } } }, [PROD_CA]);
    expect(nfs({ server: '192.168.1.100', path: '/export/data' })).toEqual([
      `storage.nfs: still the example's value (192.168.1.100:/export/data) on site prod: set this site's own (see "Overlays" in the README)`,
    ]);
    expect(nfs({ server: '192.168.1.100' })).toEqual([]);
    expect(nfs({ path: '/export/data' })).toEqual([]);
    expect(nfs({ enabled: false, server: '192.168.1.100', path: '/export/data' })).toEqual([]);
  });

  it("warns about the autoscaler role of the example's account only when the autoscaler is enabled", () => {
    const autoscaler = (change: Partial<SiteConfig['clusterAutoscaler']>) =>
      exampleValueAdvice({ ...own(), clusterAutoscaler: { ...own().clusterAutoscaler, ...change } }, [PROD_CA]);
    const exampleRole = 'arn:aws:iam::123456789012:role/prod-cluster-autoscaler';
    expect(autoscaler({ iamRoleArn: exampleRole })).toEqual([
      `clusterAutoscaler.iamRoleArn: still the example's value (account 123456789012) on site prod: set this site's own (see "Overlays" in the README)`,
    ]);
    expect(autoscaler({ enabled: false, iamRoleArn: exampleRole })).toEqual([]);
    expect(autoscaler({})).toEqual([]);
  });
});
