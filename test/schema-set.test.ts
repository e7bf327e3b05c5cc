/**
 * The schema set of one Kubernetes minor on its own (lib/validate/schema.ts): which API versions it
 * warns about per minor, the CRD that serves a custom resource and the release its schema comes from,
 * the alternatives it names, one report per problem, and what it loads once per process.
 */
import { describe, expect, it } from 'vitest';
import { crdServing, SchemaSet, schemaSetFor } from '../lib/validate/schema';

const claimTemplate = (apiVersion: string) => ({
  apiVersion,
  kind: 'ResourceClaimTemplate',
  metadata: { name: 'gpu', namespace: 'ml-workloads' },
  spec: { spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com' }] } } },
});

const messages = (version: string, object: { apiVersion: string; kind: string; [field: string]: unknown }) => schemaSetFor(version).validate(object).map((p) => `${p.path.join('.')}: ${p.message}`);

describe('schema set', () => {
  it('warns about both DRA beta versions on 1.34 to 1.36, where Kubernetes serves resource.k8s.io/v1 and the betas only with --runtime-config', () => {
    for (const version of ['1.34', '1.35', '1.36']) {
      for (const beta of ['resource.k8s.io/v1beta1', 'resource.k8s.io/v1beta2']) {
        const [first] = schemaSetFor(version).validate(claimTemplate(beta));
        expect(first, `${beta} on ${version}`).toEqual({
          path: ['apiVersion'],
          severity: 'warning',
          message: `${beta} ResourceClaimTemplate is beta and off by default in Kubernetes ${version} (served only with --runtime-config); use resource.k8s.io/v1`,
        });
      }
    }
  });

  it('does not warn about the DRA beta on 1.33, which EKS serves (v1beta2 there is the newer beta shape)', () => {
    expect(messages('1.33', claimTemplate('resource.k8s.io/v1beta1'))).toEqual([]);
    expect(schemaSetFor('1.33').validate(claimTemplate('resource.k8s.io/v1beta2')).filter((p) => p.severity === 'warning')).toEqual([]);
  });

  it('names only the versions of the same group that serve the kind: events.k8s.io/v1beta1 Event points to events.k8s.io/v1, not to core v1', () => {
    expect(messages('1.33', { apiVersion: 'events.k8s.io/v1beta1', kind: 'Event' })).toEqual([
      'apiVersion: events.k8s.io/v1beta1 Event is not served by Kubernetes 1.33 (served: events.k8s.io/v1)',
    ]);
  });

  it('reports every distinct problem of one object, and a problem two schemas both find once', () => {
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm', namespace: 'monitoring' }, spec: { endpoints: 'x', jobLabel: 3 } };
    expect(messages('1.33', monitor)).toEqual(['spec.selector: required field "selector" is missing', 'spec.endpoints: must be array (got "x")', 'spec.jobLabel: must be string (got 3)']);
    // the CRD's own schema and ObjectMeta both want metadata to be an object: one report, not two
    expect(messages('1.33', { ...monitor, metadata: 'm', spec: { selector: {}, endpoints: [] } })).toEqual(['metadata: must be object (got "m")']);
  });

  it('refuses a minor it has no bundle for, naming those it has', () => {
    expect(() => new SchemaSet('1.29')).toThrow('no schema bundle for Kubernetes 1.29 (supported: 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36)');
  });

  it('builds a minor once and parses a CRD schema once per process', () => {
    expect(schemaSetFor('1.33')).toBe(schemaSetFor('1.33'));
    expect(schemaSetFor('1.34')).not.toBe(schemaSetFor('1.33'));
    const first = schemaSetFor('1.33').schemaFor('monitoring.coreos.com/v1', 'PodMonitor') as { allOf: unknown[] };
    const again = schemaSetFor('1.34').schemaFor('monitoring.coreos.com/v1', 'PodMonitor') as { allOf: unknown[] };
    expect(again.allOf[0]).toBe(first.allOf[0]);
  });
});

describe('crdServing', () => {
  it('names the CRD and the upstream release of its schema, per operator', () => {
    expect(crdServing('monitoring.coreos.com/v1alpha1', 'ScrapeConfig')).toEqual({
      name: 'scrapeconfigs.monitoring.coreos.com',
      checkedWith: 'github.com/prometheus-operator/prometheus-operator@v0.85.0',
    });
    expect(crdServing('external-secrets.io/v1', 'ExternalSecret')).toEqual({
      name: 'externalsecrets.external-secrets.io',
      checkedWith: 'github.com/external-secrets/external-secrets@v1.3.2',
    });
    expect(crdServing('bitnami.com/v1alpha1', 'SealedSecret')?.name).toBe('sealedsecrets.bitnami.com');
    // CRD files whose upstream name is not <group>_<plural>.yaml (Argo CD's application-crd.yaml) too
    expect(crdServing('argoproj.io/v1alpha1', 'Application')).toEqual({ name: 'applications.argoproj.io', checkedWith: 'github.com/argoproj/argo-cd/v3@v3.5.7' });
    expect(crdServing('kustomize.toolkit.fluxcd.io/v1', 'Kustomization')).toEqual({
      name: 'kustomizations.kustomize.toolkit.fluxcd.io',
      checkedWith: 'github.com/fluxcd/kustomize-controller@v1.9.6',
    });
  });

  it('is undefined for built-in kinds and for custom resources no CRD of ours serves', () => {
    expect(crdServing('v1', 'Pod')).toBeUndefined();
    expect(crdServing('resource.k8s.io/v1', 'DeviceClass')).toBeUndefined();
    expect(crdServing('example.com/v1', 'Widget')).toBeUndefined();
    expect(crdServing('monitoring.coreos.com/v1', 'Prometheus')).toBeUndefined();
  });
});
