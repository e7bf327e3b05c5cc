// lib/validate/policy/index.ts: what the reference and selector checks look objects up in (the site's output
// plus what the cluster provides), and the Secrets that controllers create from objects in the output.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import { OutputIndex, producedSecrets } from '../lib/validate/policy/index';

const object = (apiVersion: string, kind: string, name: string, namespace?: string, rest: Record<string, unknown> = {}): Manifest => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...rest,
});
const index = (...objects: Manifest[]) => new OutputIndex([{ path: '10-x.yaml', chart: 'x', objects }]);
const ES = 'external-secrets.io/v1';

describe('producedSecrets', () => {
  it('ExternalSecret: its target name, else its own name; none when it only merges into or never creates the Secret', () => {
    expect(producedSecrets(object(ES, 'ExternalSecret', 'pull', 'ml'))).toEqual([{ namespace: 'ml', name: 'pull' }]);
    expect(producedSecrets(object(ES, 'ExternalSecret', 'pull', 'ml', { spec: { target: { name: 'harbor-pull' } } }))).toEqual([{ namespace: 'ml', name: 'harbor-pull' }]);
    expect(producedSecrets(object(ES, 'ExternalSecret', 'pull', 'ml', { spec: { target: { name: '' } } }))).toEqual([{ namespace: 'ml', name: 'pull' }]);
    expect(producedSecrets(object(ES, 'ExternalSecret', 'pull', 'ml', { spec: { target: { name: 42 } } }))).toEqual([{ namespace: 'ml', name: 'pull' }]);
    for (const creationPolicy of ['None', 'Merge']) expect(producedSecrets(object(ES, 'ExternalSecret', 'pull', 'ml', { spec: { target: { creationPolicy } } })), creationPolicy).toEqual([]);
    for (const creationPolicy of ['Owner', 'Orphan', '']) {
      expect(producedSecrets(object(ES, 'ExternalSecret', 'pull', 'ml', { spec: { target: { creationPolicy } } })), creationPolicy).toEqual([{ namespace: 'ml', name: 'pull' }]);
    }
  });

  it('ClusterExternalSecret: in each listed namespace, or in any namespace (*) when it selects them by label', () => {
    const listed = object(ES, 'ClusterExternalSecret', 'pull', undefined, { spec: { namespaces: ['ml', 'web'] } });
    expect(producedSecrets(listed)).toEqual([{ namespace: 'ml', name: 'pull' }, { namespace: 'web', name: 'pull' }]);
    const selected = object(ES, 'ClusterExternalSecret', 'pull', undefined, { spec: { namespaces: [], externalSecretName: 'pull-es', namespaceSelector: { matchLabels: { a: 'b' } } } });
    expect(producedSecrets(selected)).toEqual([{ namespace: '*', name: 'pull-es' }]);
    const targeted = object(ES, 'ClusterExternalSecret', 'pull', undefined, { spec: { externalSecretName: 'pull-es', externalSecretSpec: { target: { name: 'harbor' } } } });
    expect(producedSecrets(targeted)).toEqual([{ namespace: '*', name: 'harbor' }]);
  });

  it("SealedSecret: its template's name and namespace, else its own", () => {
    expect(producedSecrets(object('bitnami.com/v1alpha1', 'SealedSecret', 'pull', 'ml'))).toEqual([{ namespace: 'ml', name: 'pull' }]);
    const templated = object('bitnami.com/v1alpha1', 'SealedSecret', 'pull', 'ml', { spec: { template: { metadata: { name: 'harbor', namespace: 'web' } } } });
    expect(producedSecrets(templated)).toEqual([{ namespace: 'web', name: 'harbor' }]);
  });

  it('nothing from other kinds, or from the same kinds of another API group', () => {
    expect(producedSecrets(object('v1', 'Secret', 'pull', 'ml'))).toEqual([]);
    expect(producedSecrets(object('example.com/v1', 'ExternalSecret', 'pull', 'ml'))).toEqual([]);
    expect(producedSecrets(object('example.com/v1', 'ClusterExternalSecret', 'pull'))).toEqual([]);
    expect(producedSecrets(object('example.com/v1', 'SealedSecret', 'pull', 'ml'))).toEqual([]);
    expect(producedSecrets(object(ES, 'SecretStore', 'pull', 'ml'))).toEqual([]);
    expect(producedSecrets(object('bitnami.com/v1alpha1', 'ExternalSecret', 'pull', 'ml'))).toEqual([]);
  });
});

describe('OutputIndex', () => {
  it('finds each referenced kind by kind, namespace and name', () => {
    const kinds = ['ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolumeClaim', 'ResourceClaim', 'ResourceClaimTemplate', 'Role'] as const;
    const clusterKinds = ['PriorityClass', 'RuntimeClass', 'DeviceClass', 'ClusterRole'] as const;
    const idx = index(...kinds.map((k) => object('v1', k, 'x', 'ml')), ...clusterKinds.map((k) => object('v1', k, 'x')), object('apps/v1', 'Deployment', 'x', 'ml'));
    expect(kinds.filter((k) => !idx.has(k, 'ml', 'x'))).toEqual([]);
    expect(kinds.filter((k) => idx.has(k, 'web', 'x'))).toEqual([]);
    expect(clusterKinds.filter((k) => !idx.has(k, undefined, 'x'))).toEqual([]);
    expect(idx.has('ConfigMap', 'ml', 'y')).toBe(false);
    // a Deployment does not make a ConfigMap of its name
    expect(index(object('apps/v1', 'Deployment', 'x', 'ml')).has('ConfigMap', 'ml', 'x')).toBe(false);
    // a cluster-scoped object is not one in a namespace named "undefined" or "", nor the other way round
    expect(index(object('v1', 'PriorityClass', 'x')).has('PriorityClass', 'undefined', 'x')).toBe(false);
    expect(index(object('v1', 'PriorityClass', 'x')).has('PriorityClass', '', 'x')).toBe(false);
    expect(index(object('v1', 'ConfigMap', 'x', 'undefined')).has('ConfigMap', undefined, 'x')).toBe(false);
  });

  it('a Secret a controller creates counts; one made in every namespace is found in any', () => {
    const idx = index(object(ES, 'ExternalSecret', 'pull', 'ml'), object(ES, 'ClusterExternalSecret', 'ca', undefined, { spec: { namespaceSelector: {} } }));
    expect(idx.has('Secret', 'ml', 'pull')).toBe(true);
    expect(idx.has('Secret', 'web', 'pull')).toBe(false);
    expect(['ml', 'web', 'kube-system'].map((ns) => idx.has('Secret', ns, 'ca'))).toEqual([true, true, true]);
  });

  it('what the cluster provides counts without being in the output', () => {
    const idx = index();
    expect(idx.has('ServiceAccount', 'ml', 'default')).toBe(true);
    expect(idx.has('ClusterRole', undefined, 'system:auth-delegator')).toBe(true);
    expect(idx.has('ServiceAccount', 'ml', 'coredns')).toBe(false);
  });

  it("lists the add-on pods, our workloads' pod labels and our v1 Services' labels per namespace", () => {
    const deployment = object('apps/v1', 'Deployment', 'web', 'web', { spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } } });
    const service = { ...object('v1', 'Service', 'web', 'web'), metadata: { name: 'web', namespace: 'web', labels: { app: 'web', monitor: 'yes' } } };
    const unlabelled = object('v1', 'Service', 'plain', 'web');
    const knative = { ...object('serving.knative.dev/v1', 'Service', 'fn', 'web'), metadata: { name: 'fn', namespace: 'web', labels: { app: 'fn' } } };
    const idx = index(deployment, service, unlabelled, knative, object('v1', 'ConfigMap', 'c', 'web'));
    expect(idx.pods).toEqual([
      { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' } },
      { namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy', 'eks.amazonaws.com/component': 'kube-proxy' } },
      { namespace: 'web', labels: { app: 'web' } },
    ]);
    expect(idx.services).toEqual([
      { namespace: 'web', labels: { app: 'web', monitor: 'yes' } },
      { namespace: 'web', labels: {} },
    ]);
    expect(index().services).toEqual([]);
    // objects without a namespace (a mistake the schema and API server report) are listed under ""
    const bare = index(object('apps/v1', 'Deployment', 'd', undefined, { spec: { template: { metadata: { labels: { app: 'd' } }, spec: { containers: [] } } } }), object('v1', 'Service', 's'));
    expect(bare.pods.slice(2)).toEqual([{ namespace: '', labels: { app: 'd' } }]);
    expect(bare.services).toEqual([{ namespace: '', labels: {} }]);
  });
});
