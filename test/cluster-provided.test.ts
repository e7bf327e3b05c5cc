// lib/validate/policy/cluster-provided.ts: the objects and pods an EKS cluster has before we apply anything,
// which the reference-exists and selector-match checks accept (named after the module so the mutation run
// tries it first).
import { describe, expect, it } from 'vitest';
import { CLUSTER_PROVIDED_OBJECTS, CLUSTER_PROVIDED_PODS, isClusterProvided } from '../lib/validate/policy/cluster-provided';

describe('isClusterProvided', () => {
  it('accepts exactly these objects, each in its own namespace only', () => {
    const kubeSystem = [
      ['ConfigMap', 'extension-apiserver-authentication'],
      ['ConfigMap', 'coredns'],
      ['ServiceAccount', 'coredns'],
      ['ConfigMap', 'kube-proxy'],
      ['ConfigMap', 'kube-proxy-config'],
      ['ServiceAccount', 'kube-proxy'],
    ] as const;
    for (const [kind, name] of kubeSystem) {
      expect(isClusterProvided(kind, 'kube-system', name), `${kind} kube-system/${name}`).toBe(true);
      expect(isClusterProvided(kind, 'default', name), `${kind} default/${name}`).toBe(false);
    }
    expect(CLUSTER_PROVIDED_OBJECTS.filter((o) => o.namespace === 'kube-system').map((o) => [o.kind, o.name])).toEqual(kubeSystem);
  });

  it('the default ServiceAccount and the root CA ConfigMap exist in every namespace, under their kind only', () => {
    for (const namespace of ['default', 'ml-workloads', 'kube-system']) {
      expect(isClusterProvided('ServiceAccount', namespace, 'default')).toBe(true);
      expect(isClusterProvided('ConfigMap', namespace, 'kube-root-ca.crt')).toBe(true);
    }
    expect(isClusterProvided('ConfigMap', 'default', 'default')).toBe(false);
    expect(isClusterProvided('Secret', 'default', 'kube-root-ca.crt')).toBe(false);
  });

  it('cluster-scoped: the two system PriorityClasses and the four user-facing ClusterRoles', () => {
    expect(['system-node-critical', 'system-cluster-critical'].map((n) => isClusterProvided('PriorityClass', undefined, n))).toEqual([true, true]);
    expect(['cluster-admin', 'admin', 'edit', 'view'].map((n) => isClusterProvided('ClusterRole', undefined, n))).toEqual([true, true, true, true]);
    expect(isClusterProvided('PriorityClass', undefined, 'high-priority')).toBe(false);
    expect(isClusterProvided('ClusterRole', undefined, 'viewer')).toBe(false);
    expect(isClusterProvided('Role', 'default', 'admin')).toBe(false);
    // the reference check looks cluster-scoped kinds up without a namespace; a namespaced lookup is a mistake
    expect(isClusterProvided('PriorityClass', 'default', 'system-node-critical')).toBe(false);
  });

  it("ClusterRoles named system:* are the API server's bootstrap roles; the prefix counts only at the start and only for ClusterRoles", () => {
    expect(isClusterProvided('ClusterRole', undefined, 'system:auth-delegator')).toBe(true);
    expect(isClusterProvided('ClusterRole', undefined, 'system:node')).toBe(true);
    expect(isClusterProvided('ClusterRole', undefined, 'my-system:reader')).toBe(false);
    expect(isClusterProvided('Role', 'kube-system', 'system:controller:bootstrap-signer')).toBe(false);
  });

  it('every entry says who creates it', () => {
    expect(CLUSTER_PROVIDED_OBJECTS.filter((o) => o.reason.length < 10)).toEqual([]);
    expect(CLUSTER_PROVIDED_PODS.filter((p) => p.reason.length < 10)).toEqual([]);
  });
});

describe('CLUSTER_PROVIDED_PODS', () => {
  it("the EKS add-ons' CoreDNS and kube-proxy pods in kube-system, with the labels EKS gives them", () => {
    expect(CLUSTER_PROVIDED_PODS.map(({ namespace, labels }) => ({ namespace, labels }))).toEqual([
      { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' } },
      { namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy', 'eks.amazonaws.com/component': 'kube-proxy' } },
    ]);
  });
});
