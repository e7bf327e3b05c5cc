import { describe, expect, it } from 'vitest';
import { loadSite } from '../lib/site/site';
import { siteWith } from './helpers/gpu-site';
import { exampleFor, loadSiteVariant } from './helpers/site-variant';

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

  it('warns when kube-system pods pull through a Harbor proxy cache without a pull secret', () => {
    const proxied = { registry: { proxyCache: { 'nvcr.io': 'nvcr-proxy' } } };
    expect(loadSiteVariant(proxied).warnings.join('\n')).toMatch(/^registry\.proxyCache: images of nvcr\.io are pulled through Harbor/m);
    expect(loadSiteVariant({ ...proxied, pullSecrets: { includeKubeSystem: true } }).warnings.join('\n')).not.toMatch(/proxyCache/);
    expect(loadSite('sites/example.yaml').warnings.join('\n')).not.toMatch(/proxyCache/);
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

  it('warns when devicePlugin or draDriver settings are changed on a site where that component has no node to run on', () => {
    const noDevicePluginPool = siteWith((doc) => {
      doc.nodePools = doc.nodePools.filter((p: { gpu?: { mode?: string } }) => p.gpu?.mode !== 'devicePlugin');
      doc.cloudNodeGroups = doc.cloudNodeGroups.filter((g: { instanceType: string }) => !g.instanceType.startsWith('g5.'));
      doc.samples = { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, cloudGpuTest: { enabled: false } };
      doc.devicePlugin = { image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.2', nvidiaRuntimeClass: true };
      doc.draDriver = { logVerbosity: 6 };
    });
    expect(noDevicePluginPool.warnings).toEqual(
      expect.arrayContaining([
        'devicePlugin.image: set, but the device plugin does not run on this site (no devicePlugin pool with servers, no cloud node group with NVIDIA instances): it has no effect',
        'devicePlugin.nvidiaRuntimeClass: set, but the device plugin does not run on this site (no devicePlugin pool with servers, no cloud node group with NVIDIA instances): it has no effect',
      ]),
    );
    // the DRA driver does run there: its setting takes effect
    expect(noDevicePluginPool.warnings.join('\n')).not.toMatch(/^draDriver/m);
    const noDraPool = siteWith((doc) => {
      doc.nodePools = dpPools(doc);
      doc.dra = { claimTemplates: [] };
      doc.samples = { mlTraining: { enabled: false } };
      doc.draDriver = { logVerbosity: 6 };
    });
    expect(noDraPool.warnings).toContain('draDriver.logVerbosity: set, but the DRA driver does not run on this site (no dra pool with servers): it has no effect');
  });

  it('says nothing about default settings, or settings of a component that runs', () => {
    expect(loadSite('sites/example.yaml').warnings.join('\n')).not.toMatch(/has no effect/);
    expect(siteWith((doc) => (doc.devicePlugin = { image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.2' })).warnings.join('\n')).not.toMatch(/has no effect/);
  });

  it('warns when operator-mode objects carry no label a Prometheus could select them by', () => {
    const unlabelled = siteWith((doc) => (doc.monitoring = { mode: 'operator' }));
    expect(unlabelled.warnings.join('\n')).toMatch(/^monitoring\.operator\.labels: empty: a Prometheus resource selects/m);
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
});
