import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { NamespacesChart } from '../charts/namespaces';
import { siteNamespaces } from '../lib/model/namespaces';
import { loadSite, type Site } from '../lib/site/site';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { atVersion } from './fixtures/registry/sites';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});

function synth(site: Site) {
  return Testing.synth(new NamespacesChart(Testing.app(), 'namespaces', { site }));
}

describe('namespaces chart', () => {
  it('renders one Namespace per component namespace of the site, nothing else', () => {
    expect(synth(example).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(siteNamespaces(example.config).map((n) => `Namespace ${n.name}`));
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS)(
    'Kubernetes %s: enforces each namespace at its level, warns and audits at restricted, all pinned to the minor, and says why',
    (version) => {
      const site = atVersion(example, version);
      const specs = new Map(siteNamespaces(site.config).map((n) => [n.name, n]));
      for (const ns of synth(site)) {
        const spec = specs.get(ns.metadata.name)!;
        expect(ns.metadata.labels, ns.metadata.name).toEqual({
          'pod-security.kubernetes.io/enforce': spec.podSecurity,
          'pod-security.kubernetes.io/enforce-version': `v${version}`,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': `v${version}`,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': `v${version}`,
        });
        expect(ns.metadata.annotations, ns.metadata.name).toEqual({ 'eks-hybrid-charts/pod-security-reason': spec.reason });
        expect(spec.reason.length, ns.metadata.name).toBeGreaterThan(20);
      }
    },
  );

  it('the example has namespaces at every level (privileged, baseline, restricted)', () => {
    const levels = new Set(synth(example).map((o) => o.metadata.labels['pod-security.kubernetes.io/enforce']));
    expect([...levels].sort()).toEqual(['baseline', 'privileged', 'restricted']);
  });
});

describe('the workloads namespace (ml-workloads)', () => {
  // the example with everything that runs there switched off, then one thing at a time on
  const without = (): ReturnType<typeof loadSite>['config'] => {
    const c = structuredClone(example.config);
    c.storage.nfs.enabled = false;
    c.dra.claimTemplates = [];
    for (const sample of Object.values(c.samples)) sample.enabled = false;
    c.harborTest.enabled = false;
    return c;
  };
  const hasWorkloads = (c: ReturnType<typeof without>) => siteNamespaces(c).some((n) => n.name === 'ml-workloads');

  it('is rendered when the NFS claim, a claim template, any one sample or the Harbor test needs it, and not otherwise', () => {
    expect(hasWorkloads(without())).toBe(false);
    const one = (change: (c: ReturnType<typeof without>) => void) => {
      const c = without();
      change(c);
      return hasWorkloads(c);
    };
    expect([
      one((c) => (c.storage.nfs.enabled = true)),
      one((c) => (c.dra.claimTemplates = example.config.dra.claimTemplates.slice(0, 1))),
      ...Object.keys(example.config.samples).map((name) => one((c) => ((c.samples as Record<string, { enabled: boolean }>)[name].enabled = true))),
      one((c) => (c.harborTest.enabled = true)),
    ]).toEqual([true, true, ...Object.keys(example.config.samples).map(() => true), true]);
    expect(example.config.dra.claimTemplates.length).toBeGreaterThan(0);
  });
});
