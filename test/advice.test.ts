import { describe, expect, it } from 'vitest';
import { loadSite } from '../lib/site';
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
