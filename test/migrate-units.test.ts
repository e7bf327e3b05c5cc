import { describe, expect, it } from 'vitest';
import { GENERATOR_NAME } from '../lib/core/labels';
import type { Manifest } from '../lib/core/manifest';
import {
  COMPONENT_RULES,
  deviceClassesInUse,
  devicePluginDaemonSets,
  eligibleNodes,
  FIELD_MANAGER,
  formatMigrationPlan,
  HELM_MANAGED_BY,
  HELM_RELEASE_NAME,
  HELM_RELEASE_NAMESPACE,
  helmReleaseOf,
  imagePath,
  isOurs,
  leftoverListsPatch,
  leftoverPatch,
  nodeOverlaps,
  planMigration,
  planNeedsSteps,
  type ComponentId,
  type ComponentPlan,
  type LiveObject,
  type MigrationPlan,
  type Step,
} from '../lib/output/migrate';
import * as migrate from '../lib/output/migrate';
import { file, GPU_TAINT, helmAnnotations, MANAGED_BY, node, obj, ours, TOLERATE_GPU, workload } from './helpers/live-objects';

/*
 * Unit tests of lib/output/migrate.ts on small hand-made objects (as `kubectl get -o json` returns them)
 * and hand-made site files: no site is rendered. test/migrate.test.ts runs the same code on the example
 * site and recorded Helm installs; this file pins each rule, bound and message on its own.
 */


/** Deliberately unsorted: every list of node names in a plan is sorted. */
const NODES = [node('gpu-b', { gpu: 'yes' }, [GPU_TAINT]), node('cpu-1'), node('gpu-a', { gpu: 'yes' }, [GPU_TAINT])];

const DP_IMAGE = 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1';
const OUR_DP = ours(
  'nvidia-device-plugin',
  workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', { image: DP_IMAGE, selector: { name: 'nvidia-device-plugin-ds' }, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } }),
);
const DP_FILE = '20-nvidia-device-plugin.yaml';

const GPU_CHECK = (nodes: string) =>
  `kubectl get nodes ${nodes} -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}'` +
  ` | awk '$2 == "" || $2 == "0" { print "no GPU advertised on " $1; bad = 1 } END { exit bad }'`;
const CLAIM_CHECK = String.raw`kubectl get resourceclaims -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\t"}{.status.allocation.devices.results[*].device}{"\n"}{end}'`;
const CLAIM_CHECK_WHY = 'claims already allocated stay allocated and their pods keep their GPUs: run it before and after, the lists must match';
/** Why an object of release `r` that is not kept is deleted by name. */
const REMOVE_WHY = (r: string) => `of Helm release ${r}: deleted by name (helm uninstall would delete every object of the release, also those kept here)`;
/** The step that deletes the record (Secrets or ConfigMaps) of release `r` in `ns`, once its objects are gone. */
const RECORD = (r: string, ns: string): Step => ({
  kind: 'release',
  command: `kubectl delete secret,configmap -n ${ns} -l owner=helm,name=${r}`,
  why: `the record of release ${r} (a Secret per revision, a ConfigMap with HELM_DRIVER=configmap): helm list no longer shows it, and no helm uninstall can delete what was kept. Before it, compare with \`helm get manifest ${r} -n ${ns}\`: an object of a kind migrate does not read (README) is not deleted above`,
});
/** The last step for a kept object (`ref` as kubectl takes it): the marks of its gone release go. */
const UNMARK = (ref: string, keptBecause: string): Step => ({
  kind: 'release',
  command: `kubectl annotate ${ref} meta.helm.sh/release-name- meta.helm.sh/release-namespace-`,
  why: `kept: ${keptBecause}; the release is gone, so its marks go too (a later helm install would claim the object)`,
});
/** After UNMARK, for a kept object we do not render that Helm labelled: its managed-by label goes too. */
const UNLABEL = (ref: string): Step => ({
  kind: 'release',
  command: `kubectl label ${ref} app.kubernetes.io/managed-by-`,
  why: 'kept, and no Helm release manages it any more: its managed-by label goes too',
});
/** Objects (as kubectl takes them) that steps delete, and those whose release marks steps remove. */
const deleted = (steps: readonly Step[]) => steps.filter((s) => s.command.startsWith('kubectl delete ') && !s.command.startsWith('kubectl delete secret,configmap ')).map((s) => s.command.slice('kubectl delete '.length).split(' --')[0]);
const unmarked = (steps: readonly Step[]) => steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl annotate ')).map((s) => s.command.slice('kubectl annotate '.length).split(' meta.helm.sh/')[0]);
/** No step runs helm: `helm uninstall` deletes every object of the release's stored manifest, kept ones too (helm/helm#8132). */
const expectNoHelm = (steps: readonly Step[]) => expect(steps.filter((s) => s.command.startsWith('helm ')).map((s) => s.command)).toEqual([]);
const ADOPT_WHY = 'takes the existing object over in place: its old field manager loses the fields we set';
const PREPARE_WHY =
  'everything of ours that replaces nothing on the cluster (namespaces, pull credentials, RuntimeClass, …) goes first, so our pods can start in the steps below';

function component(p: MigrationPlan, id: ComponentId): ComponentPlan {
  const c = p.components.find((x) => x.component === id);
  if (!c) throw new Error(`no plan for ${id}`);
  return c;
}

const rule = (id: ComponentId) => COMPONENT_RULES.find((r) => r.id === id)!;

// ---------------------------------------------------------------------------------------------------------

describe('constants', () => {
  it('names the Helm label and annotations as Helm writes them (no keep policy: helm uninstall ignores it on live objects), and applies as the project', () => {
    expect([HELM_MANAGED_BY, HELM_RELEASE_NAME, HELM_RELEASE_NAMESPACE]).toEqual(['Helm', 'meta.helm.sh/release-name', 'meta.helm.sh/release-namespace']);
    expect(Object.keys(migrate)).not.toContain('HELM_KEEP');
    expect(Object.values(migrate)).not.toContain('helm.sh/resource-policy');
    expect(FIELD_MANAGER).toBe('eks-hybrid-charts');
    expect(FIELD_MANAGER).toBe(GENERATOR_NAME);
  });

  it('lists the components in plan order with their titles and why two copies must not run at once', () => {
    expect(COMPONENT_RULES.map((r) => [r.id, r.title, r.exclusive])).toEqual([
      ['nvidia-device-plugin', 'NVIDIA device plugin', 'two device plugins on one node register nvidia.com/gpu twice: the GPUs are advertised twice and pods are over-admitted'],
      ['nvidia-dra-driver', 'NVIDIA DRA driver', 'two kubelet plugins of driver gpu.nvidia.com on one node share its plugin socket and publish its ResourceSlices twice'],
      ['cluster-autoscaler', 'cluster-autoscaler', 'two cluster-autoscalers scale the same node groups against each other'],
      ['dcgm-exporter', 'DCGM exporter', undefined],
      ['registry-credentials', 'pull secrets (External Secrets)', undefined],
    ]);
  });
});

describe('imagePath', () => {
  it('keeps a bare name without registry, tag or slash whole', () => {
    expect(imagePath('busybox')).toBe('busybox');
    expect(imagePath('busybox:1.36')).toBe('busybox');
  });

  it('drops a tag and a digest but keeps a path without registry host', () => {
    expect(imagePath('nvidia/k8s-device-plugin:v0.17.1')).toBe('nvidia/k8s-device-plugin');
    expect(imagePath('nvidia/k8s-device-plugin@sha256:0123')).toBe('nvidia/k8s-device-plugin');
    expect(imagePath('nvidia/k8s-device-plugin:v1@sha256:0123')).toBe('nvidia/k8s-device-plugin');
  });

  it('drops a first part that has a dot or a port (a registry host), never a single dotted name', () => {
    expect(imagePath('docker.io/library/busybox')).toBe('library/busybox');
    expect(imagePath('localhost:5000/nvidia/k8s-device-plugin')).toBe('nvidia/k8s-device-plugin');
    expect(imagePath('localhost:5000/nvidia/k8s-device-plugin:v2')).toBe('nvidia/k8s-device-plugin');
    expect(imagePath('my.image:1')).toBe('my.image');
    expect(imagePath('team/sub.dir/app')).toBe('team/sub.dir/app');
  });
});

describe('isOurs and helmReleaseOf', () => {
  it('calls an object ours only when its managed-by label names this project', () => {
    expect(isOurs(ours(undefined, obj('v1', 'ConfigMap', 'a', 'x')))).toBe(true);
    expect(isOurs(obj('v1', 'ConfigMap', 'a', 'x', ['r', 'x']))).toBe(false);
    expect(isOurs(obj('v1', 'ConfigMap', 'a', 'x'))).toBe(false);
  });

  it('reads the release from both Helm annotations, and none when either is missing or empty', () => {
    expect(helmReleaseOf(obj('v1', 'ConfigMap', 'a', 'x', ['rel', 'rel-ns']))).toEqual({ name: 'rel', namespace: 'rel-ns' });
    const withAnnotations = (annotations: Record<string, string>): LiveObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations } });
    expect(helmReleaseOf(withAnnotations({ [HELM_RELEASE_NAME]: 'rel' }))).toBeUndefined();
    expect(helmReleaseOf(withAnnotations({ [HELM_RELEASE_NAMESPACE]: 'rel-ns' }))).toBeUndefined();
    expect(helmReleaseOf(withAnnotations({ [HELM_RELEASE_NAME]: '', [HELM_RELEASE_NAMESPACE]: 'rel-ns' }))).toBeUndefined();
    expect(helmReleaseOf(obj('v1', 'ConfigMap', 'a', 'x'))).toBeUndefined();
  });
});

describe('component rules', () => {
  const matches = (id: ComponentId, o: LiveObject) => rule(id).matches(o);

  it('device plugin: an apps/v1 DaemonSet running the k8s-device-plugin image, in a container or an init container', () => {
    expect(matches('nvidia-device-plugin', workload('DaemonSet', 'a', 'anything', { image: DP_IMAGE }))).toBe(true);
    const init = workload('DaemonSet', 'a', 'anything', { pod: { containers: [{ name: 'x' }], initContainers: [{ name: 'i', image: 'nvidia/k8s-device-plugin:v1' }] } });
    expect(matches('nvidia-device-plugin', init)).toBe(true);
    expect(matches('nvidia-device-plugin', workload('Deployment', 'a', 'anything', { image: DP_IMAGE }))).toBe(false);
    expect(matches('nvidia-device-plugin', { ...workload('DaemonSet', 'a', 'anything', { image: DP_IMAGE }), apiVersion: 'extensions/v1beta1' })).toBe(false);
    expect(matches('nvidia-device-plugin', workload('DaemonSet', 'a', 'anything', { image: 'nvidia/k8s-device-plugin-tools:v1' }))).toBe(false);
  });

  it("device plugin: eksctl's DaemonSet name counts whatever its image, but only for a DaemonSet", () => {
    expect(matches('nvidia-device-plugin', workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', { image: 'mirror/renamed:1' }))).toBe(true);
    expect(matches('nvidia-device-plugin', workload('Deployment', 'kube-system', 'nvidia-device-plugin-daemonset', { image: 'mirror/renamed:1' }))).toBe(false);
    // even one without a pod template
    expect(matches('nvidia-device-plugin', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'nvidia-device-plugin-daemonset', namespace: 'kube-system' } })).toBe(true);
  });

  it('device plugin: GPU feature discovery (same image) is not one, by name, command, args or container name', () => {
    const gfd = (name: string, container: Record<string, unknown>) =>
      workload('DaemonSet', 'a', name, { pod: { containers: [{ name: 'main', image: DP_IMAGE, ...container }] } });
    expect(matches('nvidia-device-plugin', gfd('nvdp-gpu-feature-discovery', {}))).toBe(false);
    expect(matches('nvidia-device-plugin', gfd('gfd', { command: ['/usr/bin/gpu-feature-discovery'] }))).toBe(false);
    expect(matches('nvidia-device-plugin', gfd('gfd', { args: ['gpu-feature-discovery', '--oneshot'] }))).toBe(false);
    expect(matches('nvidia-device-plugin', gfd('gfd', { name: 'nvidia-gpu-feature-discovery-ctr' }))).toBe(false);
    expect(matches('nvidia-device-plugin', gfd('gfd', { command: ['nvidia-device-plugin'], args: ['--fail-on-init-error'] }))).toBe(true);
    // the name counts even when the image is not the plugin's (the eksctl name rule), GFD still wins
    expect(matches('nvidia-device-plugin', workload('DaemonSet', 'a', 'nvidia-device-plugin-daemonset', { pod: { containers: [{ name: 'gpu-feature-discovery' }] } }))).toBe(false);
  });

  it('DRA driver: each of its three image names, in a DaemonSet or a Deployment, nothing else', () => {
    for (const image of ['nvcr.io/nvidia/k8s-dra-driver-gpu:v25.3.0', 'registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.4.1', 'nvcr.io/nvidia/cloud-native/k8s-dra-driver:v0.1']) {
      expect([matches('nvidia-dra-driver', workload('DaemonSet', 'a', 'b', { image })), matches('nvidia-dra-driver', workload('Deployment', 'a', 'b', { image }))]).toEqual([true, true]);
    }
    expect(matches('nvidia-dra-driver', { ...workload('Deployment', 'a', 'b', { image: 'k8s-dra-driver-gpu:v1' }), kind: 'StatefulSet' })).toBe(false);
    expect(matches('nvidia-dra-driver', workload('DaemonSet', 'a', 'b', { image: 'nvidia/k8s-dra-driver-gpu-tools:v1' }))).toBe(false);
  });

  it('cluster-autoscaler: a Deployment only; DCGM exporter: a DaemonSet only', () => {
    const ca = 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.0';
    expect(matches('cluster-autoscaler', workload('Deployment', 'a', 'b', { image: ca }))).toBe(true);
    expect(matches('cluster-autoscaler', workload('DaemonSet', 'a', 'b', { image: ca }))).toBe(false);
    const dcgm = 'nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.1-ubuntu22.04';
    expect(matches('dcgm-exporter', workload('DaemonSet', 'a', 'b', { image: dcgm }))).toBe(true);
    expect(matches('dcgm-exporter', workload('Deployment', 'a', 'b', { image: dcgm }))).toBe(false);
  });

  it('pull secrets: a dockerconfigjson Secret an ExternalSecret owns or labels, nothing else', () => {
    const secret = (extra: Partial<LiveObject['metadata']>, type = 'kubernetes.io/dockerconfigjson', kind = 'Secret'): LiveObject => ({
      apiVersion: 'v1',
      kind,
      type,
      metadata: { name: 'pull', namespace: 'ml', ...extra },
    });
    const esOwner = { ownerReferences: [{ kind: 'ExternalSecret', name: 'es' }] };
    expect(matches('registry-credentials', secret(esOwner))).toBe(true);
    expect(matches('registry-credentials', secret({ labels: { 'reconcile.external-secrets.io/data-hash': 'abc' } }))).toBe(true);
    expect(matches('registry-credentials', secret({ ownerReferences: [{ kind: 'Deployment', name: 'es' }] }))).toBe(false);
    expect(matches('registry-credentials', secret({ labels: { 'external-secrets.io/name': 'abc' } }))).toBe(false);
    expect(matches('registry-credentials', secret({}))).toBe(false);
    expect(matches('registry-credentials', secret(esOwner, 'Opaque'))).toBe(false);
    expect(matches('registry-credentials', secret(esOwner, 'kubernetes.io/dockerconfigjson', 'ConfigMap'))).toBe(false);
  });
});

describe('eligibleNodes', () => {
  const pod = (spec: Record<string, unknown>, kind: 'DaemonSet' | 'Deployment' = 'Deployment') => workload(kind, 'a', 'w', { pod: spec });

  it('without constraints: every untainted node, sorted; a tainted one only with a toleration', () => {
    expect(eligibleNodes(pod({}), NODES)).toEqual(['cpu-1']);
    expect(eligibleNodes(pod({ tolerations: TOLERATE_GPU }), NODES)).toEqual(['cpu-1', 'gpu-a', 'gpu-b']);
    // only preferences and pod (anti-)affinity: no constraint on nodes
    const preferred = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] } }] } };
    expect(eligibleNodes(pod({ affinity: preferred }), NODES)).toEqual(['cpu-1']);
    expect(eligibleNodes(pod({ affinity: { podAntiAffinity: {} } }), NODES)).toEqual(['cpu-1']);
    // no pod template at all: no constraint either
    expect(eligibleNodes({ kind: 'Deployment', spec: {} }, [node('z'), node('y')])).toEqual(['y', 'z']);
  });

  it('nodeSelector: every key must match; a node without labels matches none', () => {
    expect(eligibleNodes(pod({ nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU }), NODES)).toEqual(['gpu-a', 'gpu-b']);
    expect(eligibleNodes(pod({ nodeSelector: { gpu: 'yes', zone: 'a' }, tolerations: TOLERATE_GPU }), NODES)).toEqual([]);
    expect(eligibleNodes(pod({ nodeSelector: { gpu: 'no' } }), NODES)).toEqual([]);
  });

  describe('required node affinity', () => {
    const nodes = [node('n3', { size: '3', tier: 'c' }), node('n1', { size: '1', tier: 'a' }), node('n2', { size: '2', tier: 'b' }), node('bare')];
    const affinity = (...terms: { key: string; operator: string; values?: string[] }[][]) =>
      pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } } } });
    const on = (key: string, operator: string, values?: string[]) => eligibleNodes(affinity([{ key, operator, ...(values ? { values } : {}) }]), nodes);

    it('In and NotIn: a missing label is never In and always NotIn; no values means In nothing', () => {
      expect(on('tier', 'In', ['a', 'c'])).toEqual(['n1', 'n3']);
      expect(on('tier', 'In')).toEqual([]);
      expect(on('tier', 'NotIn', ['a', 'c'])).toEqual(['bare', 'n2']);
      expect(on('tier', 'NotIn')).toEqual(['bare', 'n1', 'n2', 'n3']);
    });

    it('Exists and DoesNotExist', () => {
      expect(on('tier', 'Exists')).toEqual(['n1', 'n2', 'n3']);
      expect(on('tier', 'DoesNotExist')).toEqual(['bare']);
    });

    it('Gt and Lt compare as numbers and exclude the bound itself; a missing label or value matches neither', () => {
      expect(on('size', 'Gt', ['2'])).toEqual(['n3']);
      expect(on('size', 'Gt', ['1'])).toEqual(['n2', 'n3']);
      expect(on('size', 'Lt', ['2'])).toEqual(['n1']);
      expect(on('size', 'Lt', ['3'])).toEqual(['n1', 'n2']);
      expect(on('size', 'Gt')).toEqual([]);
      expect(on('size', 'Lt')).toEqual([]);
    });

    it('an unknown operator matches nothing', () => {
      expect(on('tier', 'Like', ['a'])).toEqual([]);
    });

    it('expressions of a term are ANDed, terms are ORed', () => {
      expect(eligibleNodes(affinity([{ key: 'tier', operator: 'Exists' }, { key: 'size', operator: 'Lt', values: ['3'] }]), nodes)).toEqual(['n1', 'n2']);
      expect(eligibleNodes(affinity([{ key: 'tier', operator: 'In', values: ['a'] }], [{ key: 'tier', operator: 'DoesNotExist' }]), nodes)).toEqual(['bare', 'n1']);
    });

    const required = (...nodeSelectorTerms: Record<string, unknown>[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } } });

    it('a term without requirements matches no node, as the scheduler reads it; another term still can', () => {
      expect(eligibleNodes(required({}), nodes)).toEqual([]);
      expect(eligibleNodes(required({ matchExpressions: [], matchFields: [] }), nodes)).toEqual([]);
      expect(eligibleNodes(required({}, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['b'] }] }), nodes)).toEqual(['n2']);
    });

    it('matchFields: metadata.name In and NotIn, ANDed with the expressions of its term; another field matches nothing', () => {
      const byName = (operator: string, values: string[]) => ({ key: 'metadata.name', operator, values });
      expect(eligibleNodes(required({ matchFields: [byName('In', ['n1', 'bare'])] }), nodes)).toEqual(['bare', 'n1']);
      expect(eligibleNodes(required({ matchFields: [byName('NotIn', ['n1', 'bare'])] }), nodes)).toEqual(['n2', 'n3']);
      expect(eligibleNodes(required({ matchExpressions: [{ key: 'tier', operator: 'Exists' }], matchFields: [byName('In', ['n1', 'bare'])] }), nodes)).toEqual(['n1']);
      expect(eligibleNodes(required({ matchFields: [{ key: 'metadata.namespace', operator: 'NotIn', values: ['x'] }] }), nodes)).toEqual([]);
    });
  });

  describe('taints and tolerations', () => {
    const tainted = [
      node('no-schedule', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]),
      node('no-execute', {}, [{ key: 'k', value: 'v', effect: 'NoExecute' }]),
      node('prefer', {}, [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }]),
      node('no-value', {}, [{ key: 'k', effect: 'NoSchedule' }]),
      node('other-key', {}, [{ key: 'other', value: 'v', effect: 'NoSchedule' }]),
    ];
    const tolerating = (...tolerations: Record<string, string>[]) => eligibleNodes(pod({ tolerations }), tainted);

    it('only NoSchedule and NoExecute taints keep pods away', () => {
      expect(tolerating()).toEqual(['prefer']);
    });

    it('Equal (or no operator) needs the same value; Exists any value', () => {
      expect(tolerating({ key: 'k', operator: 'Equal', value: 'v' })).toEqual(['no-execute', 'no-schedule', 'prefer']);
      expect(tolerating({ key: 'k', value: 'v' })).toEqual(['no-execute', 'no-schedule', 'prefer']);
      expect(tolerating({ key: 'k', operator: 'Equal', value: 'w' })).toEqual(['prefer']);
      expect(tolerating({ key: 'k', operator: 'Equal' })).toEqual(['no-value', 'prefer']);
      expect(tolerating({ key: 'k', operator: 'Exists' })).toEqual(['no-execute', 'no-schedule', 'no-value', 'prefer']);
    });

    it("a toleration's effect must be the taint's; without one it covers both", () => {
      expect(tolerating({ key: 'k', operator: 'Exists', effect: 'NoSchedule' })).toEqual(['no-schedule', 'no-value', 'prefer']);
      expect(tolerating({ key: 'k', operator: 'Exists', effect: 'NoExecute' })).toEqual(['no-execute', 'prefer']);
    });

    it('an empty key with Exists tolerates every taint (of its effect); with Equal none', () => {
      expect(tolerating({ operator: 'Exists' })).toEqual(['no-execute', 'no-schedule', 'no-value', 'other-key', 'prefer']);
      expect(tolerating({ operator: 'Exists', effect: 'NoExecute' })).toEqual(['no-execute', 'prefer']);
      expect(tolerating({ operator: 'Equal', value: 'v' })).toEqual(['prefer']);
    });

    it("taints of a node's state (conditions, cordoning) keep no node out, whatever the effect: they come and go", () => {
      const states = [
        node('not-ready', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]),
        node('not-ready-execute', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]),
        node('unreachable', {}, [{ key: 'node.kubernetes.io/unreachable', value: 'x', effect: 'NoExecute' }]),
        node('disk', {}, [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }]),
        node('memory', {}, [{ key: 'node.kubernetes.io/memory-pressure', value: 'x', effect: 'NoSchedule' }]),
        node('pid', {}, [{ key: 'node.kubernetes.io/pid-pressure', value: 'x', effect: 'NoSchedule' }]),
        node('network', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
        node('cordoned', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]),
      ];
      const all = ['cordoned', 'disk', 'memory', 'network', 'not-ready', 'not-ready-execute', 'pid', 'unreachable'];
      expect(eligibleNodes(pod({}, 'DaemonSet'), states)).toEqual(all);
      expect(eligibleNodes(pod({}, 'Deployment'), states)).toEqual(all);
      // but with another taint beside it, or one an administrator sets (out-of-service), only a toleration lets pods in
      const others = [node('gpu-not-ready', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, GPU_TAINT]), node('out', {}, [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }])];
      expect(eligibleNodes(pod({}, 'DaemonSet'), others)).toEqual([]);
      expect(eligibleNodes(pod({ tolerations: TOLERATE_GPU }, 'DaemonSet'), others)).toEqual(['gpu-not-ready']);
    });
  });
});

describe('nodeOverlaps and devicePluginDaemonSets', () => {
  it('reports only nodes two or more DaemonSets select, sorted by node, their DaemonSets sorted', () => {
    const nodes = [node('b', { b: '1' }), node('c', { c: '1' }), node('d', { d: '1' })];
    const on = (name: string, keys: string[]) =>
      workload('DaemonSet', 'ns', name, {
        pod: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: keys.map((key) => ({ matchExpressions: [{ key, operator: 'Exists' }] })) } } } },
      });
    const overlaps = nodeOverlaps([on('z-first', ['c', 'd']), on('m-second', ['b', 'c', 'd']), on('a-third', ['b'])], nodes);
    expect(overlaps).toEqual([
      { node: 'b', daemonSets: ['DaemonSet ns/a-third', 'DaemonSet ns/m-second'] },
      { node: 'c', daemonSets: ['DaemonSet ns/m-second', 'DaemonSet ns/z-first'] },
      { node: 'd', daemonSets: ['DaemonSet ns/m-second', 'DaemonSet ns/z-first'] },
    ]);
    expect(nodeOverlaps([on('only', ['b', 'c'])], nodes)).toEqual([]);
  });

  it('picks the device-plugin DaemonSets out of every live object', () => {
    const dp = workload('DaemonSet', 'a', 'nvdp', { image: DP_IMAGE });
    const live = [node('n'), workload('DaemonSet', 'a', 'dcgm', { image: 'nvidia/dcgm-exporter:1' }), dp, OUR_DP as LiveObject];
    expect(devicePluginDaemonSets(live)).toEqual([dp, OUR_DP]);
  });
});

describe('deviceClassesInUse', () => {
  const claim = (name: string, requests: unknown[], apiVersion = 'resource.k8s.io/v1'): LiveObject => ({
    apiVersion,
    kind: 'ResourceClaim',
    metadata: { name, namespace: 'ml' },
    spec: { devices: { requests } },
  });

  it('reads v1 `exactly`, v1beta1 `deviceClassName` and every `firstAvailable` subrequest, users in order', () => {
    const template: LiveObject = {
      apiVersion: 'resource.k8s.io/v1beta1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'tpl', namespace: 'ml' },
      spec: { spec: { devices: { requests: [{ name: 'r', deviceClassName: 'gpu.nvidia.com' }] } } },
    };
    const used = deviceClassesInUse([
      claim('exact', [{ name: 'r', exactly: { deviceClassName: 'gpu.nvidia.com' } }]),
      claim('beta', [{ name: 'r', deviceClassName: 'mig.nvidia.com' }], 'resource.k8s.io/v1beta1'),
      claim('any', [{ name: 'r', firstAvailable: [{ name: 'a', deviceClassName: 'mig.nvidia.com' }, { name: 'b' }, { name: 'c', deviceClassName: 'vfio.gpu.nvidia.com' }] }]),
      template,
      claim('none', []),
      { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'no-spec', namespace: 'ml' } },
      { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', metadata: { name: 'no-spec', namespace: 'ml' } },
    ]);
    expect([...used.entries()]).toEqual([
      ['gpu.nvidia.com', ['ResourceClaim ml/exact', 'ResourceClaimTemplate ml/tpl']],
      ['mig.nvidia.com', ['ResourceClaim ml/beta', 'ResourceClaim ml/any']],
      ['vfio.gpu.nvidia.com', ['ResourceClaim ml/any']],
    ]);
  });

  it('ignores other kinds of resource.k8s.io and same-named kinds of other groups', () => {
    const requests = [{ deviceClassName: 'x' }];
    const deviceClass: LiveObject = { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'x' }, spec: { devices: { requests }, spec: { devices: { requests } } } };
    expect(deviceClassesInUse([deviceClass, claim('crd', [{ exactly: { deviceClassName: 'gpu.nvidia.com' } }], 'example.com/v1')]).size).toBe(0);
  });
});

describe('planNeedsSteps', () => {
  const c = (steps: Step[]): ComponentPlan => ({ component: 'dcgm-exporter', title: 't', found: [], ours: [], strategy: 'not-rendered', reason: '', warnings: [], steps });
  it('is true only when some component has a step', () => {
    expect(planNeedsSteps({ site: 's', prepare: [], components: [] })).toBe(false);
    expect(planNeedsSteps({ site: 's', prepare: [], components: [c([]), c([])] })).toBe(false);
    expect(planNeedsSteps({ site: 's', prepare: [], components: [c([]), c([{ kind: 'apply', command: 'x', why: 'y' }])] })).toBe(true);
  });
});

describe('leftoverPatch', () => {
  const ds = (pod: Record<string, unknown>, templateLabels: Record<string, string> = { app: 'x' }) => workload('DaemonSet', 'ns', 'x', { templateLabels, pod });

  it('deletes what their pod template has and ours does not: containers, env, mounts, ports, volumes, selector keys, affinity, labels', () => {
    const theirs = ds(
      {
        containers: [
          { name: 'main', env: [{ name: 'A' }, { name: 'B' }], volumeMounts: [{ name: 'v1', mountPath: '/a' }, { name: 'v2', mountPath: '/b' }], ports: [{ containerPort: 80 }, { containerPort: 9090 }] },
          { name: 'sidecar' },
          { name: 'same', env: [{ name: 'A' }] },
        ],
        initContainers: [{ name: 'init-old' }, { name: 'init' }],
        volumes: [{ name: 'v1' }, { name: 'v2' }],
        nodeSelector: { a: '1', b: '2' },
        affinity: { nodeAffinity: {} },
      },
      { app: 'x', 'helm.sh/chart': 'old', shared: '1' },
    );
    const mine = ds(
      {
        containers: [
          { name: 'main', env: [{ name: 'A' }], volumeMounts: [{ name: 'renamed', mountPath: '/a' }], ports: [{ containerPort: 80 }] },
          { name: 'same', env: [{ name: 'A' }] },
          { name: 'new' },
        ],
        initContainers: [{ name: 'init' }],
        volumes: [{ name: 'v1' }],
        nodeSelector: { a: '9' },
      },
      { app: 'x', shared: '2' },
    );
    expect(leftoverPatch(theirs, mine)).toStrictEqual({
      spec: {
        template: {
          metadata: { labels: { 'helm.sh/chart': null } },
          spec: {
            containers: [
              {
                name: 'main',
                env: [{ name: 'B', $patch: 'delete' }],
                volumeMounts: [{ mountPath: '/b', $patch: 'delete' }],
                ports: [{ containerPort: 9090, $patch: 'delete' }],
              },
              { name: 'sidecar', $patch: 'delete' },
            ],
            initContainers: [{ name: 'init-old', $patch: 'delete' }],
            volumes: [{ name: 'v2', $patch: 'delete' }],
            nodeSelector: { b: null },
            affinity: null,
          },
        },
      },
    });
  });

  it('is undefined when ours has everything theirs has (more is fine)', () => {
    const theirs = ds({ containers: [{ name: 'main', env: [{ name: 'A' }] }], volumes: [{ name: 'v' }], nodeSelector: { a: '1' }, affinity: {} });
    const mine = ds({ containers: [{ name: 'main', env: [{ name: 'A' }, { name: 'B' }] }, { name: 'extra' }], volumes: [{ name: 'v' }, { name: 'w' }], nodeSelector: { a: '2', b: '1' }, affinity: {} });
    expect(leftoverPatch(theirs, mine)).toBeUndefined();
    expect(leftoverPatch(ds({}), ds({ affinity: { nodeAffinity: {} } }))).toBeUndefined();
    expect(leftoverPatch({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' }, spec: {} }, ds({}))).toBeUndefined();
  });

  it('ours without a pod template: everything of theirs goes', () => {
    const bare: Manifest = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' } };
    expect(leftoverPatch(ds({ volumes: [{ name: 'v' }] }, { app: 'x' }), bare)).toStrictEqual({
      spec: { template: { metadata: { labels: { app: null } }, spec: { containers: [{ name: 'main', $patch: 'delete' }], volumes: [{ name: 'v', $patch: 'delete' }] } } },
    });
  });

  it('only labels to drop: a patch of the template metadata alone', () => {
    expect(leftoverPatch(ds({}, { app: 'x', old: 'y' }), ds({}))).toStrictEqual({ spec: { template: { metadata: { labels: { old: null } } } } });
  });

  it('only the pod spec to change: no template metadata in the patch, and only the changed container', () => {
    const theirs = ds({ containers: [{ name: 'a', env: [{ name: 'X' }] }, { name: 'b', env: [{ name: 'Y' }] }] });
    const mine = ds({ containers: [{ name: 'a', env: [{ name: 'X' }] }, { name: 'b' }] });
    expect(leftoverPatch(theirs, mine)).toStrictEqual({ spec: { template: { spec: { containers: [{ name: 'b', env: [{ name: 'Y', $patch: 'delete' }] }] } } } });
  });
});

describe('leftoverListsPatch', () => {
  const vap = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): LiveObject => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'p' },
    spec,
    ...extra,
  });

  it('sets every named list (at any depth) in which theirs has a name ours lacks to our list', () => {
    const mine = vap({
      matchConditions: [{ name: 'ours', expression: 'true' }],
      variables: [{ name: 'a', expression: '1' }],
      nested: { rules: [{ name: 'r1' }] },
      same: [{ name: 's' }],
    });
    const theirs = vap({
      matchConditions: [{ name: 'theirs', expression: 'false' }],
      variables: [{ name: 'a', expression: '2' }],
      nested: { rules: [{ name: 'r1' }, { name: 'r2' }] },
      same: [{ name: 's' }],
      onlyTheirs: [{ name: 'x' }],
    });
    expect(leftoverListsPatch(theirs, mine)).toStrictEqual({ spec: { matchConditions: [{ name: 'ours', expression: 'true' }], nested: { rules: [{ name: 'r1' }] } } });
  });

  it('is undefined for lists without names, of scalars or with nulls, and for shapes that differ', () => {
    const mine = vap({ validations: [{ name: 'n' }], strings: ['a'], mixed: [{ name: 'a' }], shape: { x: [{ name: 'a' }] }, scalar: { x: 1 }, theirsNull: { x: [{ name: 'a' }] }, oursNull: null });
    const theirs = vap({
      validations: [{ expression: 'true' }],
      strings: ['b'],
      mixed: [null, { name: 'a' }],
      shape: [{ name: 'b' }],
      scalar: 'text',
      theirsNull: null,
      oursNull: { x: [{ name: 'b' }] },
    });
    expect(leftoverListsPatch(theirs, mine)).toBeUndefined();
    expect(leftoverListsPatch(vap({ list: [{ name: 1 }] }), vap({ list: [] }))).toBeUndefined();
  });

  it('leaves metadata and status out: those are not ours to set', () => {
    const theirs = vap({}, { metadata: { name: 'p', ownerReferences: [{ kind: 'X', name: 'theirs' }] }, status: { conditions: [{ name: 'c' }] } });
    const mine = vap({}, { metadata: { name: 'p', ownerReferences: [] }, status: { conditions: [] } });
    expect(leftoverListsPatch(theirs, mine)).toBeUndefined();
  });
});

describe('formatMigrationPlan', () => {
  const step = (kind: Step['kind'], command: string, why: string): Step => ({ kind, command, why });
  const doing: ComponentPlan = {
    component: 'nvidia-device-plugin',
    title: 'NVIDIA device plugin',
    found: [
      { object: 'DaemonSet a/b', image: 'img:1', release: { name: 'r', namespace: 'rns' }, nodes: ['n1', 'n2'] },
      { object: 'DaemonSet a/c', nodes: [] },
      { object: 'Secret x/y' },
    ],
    ours: [
      { object: 'DaemonSet kube-system/d', file: 'dist/lab/20.yaml', nodes: ['n1'] },
      { object: 'DaemonSet kube-system/e', file: 'f.yaml', nodes: [] },
      { object: 'ExternalSecret x/y', file: 'g.yaml' },
    ],
    strategy: 'remove-first',
    reason: 'because',
    warnings: ['w1', 'w2'],
    steps: [step('remove', 'kubectl delete daemonset/b -n a --wait=true', 'goes'), step('apply', 'kubectl apply -f f.yaml', 'ours')],
  };
  const idle = (component: ComponentId): ComponentPlan => ({ component, title: 'T', found: [{ object: 'DaemonSet m/d' }], ours: [], strategy: 'not-rendered', reason: 'left', warnings: [], steps: [] });
  const THEN = `then: deliver the whole site as the README's "Deliver" section says (ApplySet labels, pruning); it changes nothing the steps above applied`;

  it('says there is nothing to migrate when no component was found', () => {
    expect(formatMigrationPlan({ site: 'lab', prepare: [], components: [] }, 'prod')).toEqual(['lab: nothing to migrate on prod: no object does the job of one of ours without being ours']);
  });

  it('prints the prepare step, every component with found, ours, why, warnings and numbered steps, then the delivery', () => {
    const lines = formatMigrationPlan({ site: 'lab', prepare: [step('apply', 'kubectl apply -f ns.yaml', 'first things')], components: [doing, idle('dcgm-exporter')] }, 'prod');
    expect(lines).toEqual([
      'lab: 1 component(s) to migrate on prod, 1 left alone',
      '',
      'first: kubectl apply -f ns.yaml',
      '  first things',
      '',
      'nvidia-device-plugin (NVIDIA device plugin): remove-first',
      '  found: DaemonSet a/b image img:1, Helm release r in rns, nodes: n1, n2',
      '  found: DaemonSet a/c, nodes: none',
      '  found: Secret x/y',
      '  ours:  DaemonSet kube-system/d (dist/lab/20.yaml), nodes: n1',
      '  ours:  DaemonSet kube-system/e (f.yaml), nodes: none',
      '  ours:  ExternalSecret x/y (g.yaml)',
      '  why:   because',
      '  warning: w1',
      '  warning: w2',
      '  1. [remove] kubectl delete daemonset/b -n a --wait=true',
      '     goes',
      '  2. [apply] kubectl apply -f f.yaml',
      '     ours',
      '',
      'dcgm-exporter (T): not-rendered',
      '  found: DaemonSet m/d',
      '  why:   left',
      '',
      THEN,
    ]);
  });

  it('counts the components left alone only when there are some', () => {
    expect(formatMigrationPlan({ site: 'lab', prepare: [], components: [doing] }, 'prod')[0]).toBe('lab: 1 component(s) to migrate on prod');
    expect(formatMigrationPlan({ site: 'lab', prepare: [], components: [idle('dcgm-exporter'), doing, idle('cluster-autoscaler')] }, 'prod')[0]).toBe(
      'lab: 1 component(s) to migrate on prod, 2 left alone',
    );
  });

  it('with nothing to do, no delivery line', () => {
    expect(formatMigrationPlan({ site: 'lab', prepare: [], components: [idle('dcgm-exporter')] }, 'prod')).toEqual([
      'lab: 0 component(s) to migrate on prod, 1 left alone',
      '',
      'dcgm-exporter (T): not-rendered',
      '  found: DaemonSet m/d',
      '  why:   left',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('planMigration: device plugin from a Helm chart on our nodes (remove-first)', () => {
  const theirs = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp-nvidia-device-plugin', { image: DP_IMAGE, release: 'nvdp', pod: { tolerations: TOLERATE_GPU } });
  const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'things.example.com', undefined, ['nvdp', 'nvidia-device-plugin']);
  const role = obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'nvidia-device-plugin', undefined, ['nvdp', 'nvidia-device-plugin']);
  const sa = obj('v1', 'ServiceAccount', 'nvdp', 'nvidia-device-plugin', ['nvdp', 'nvidia-device-plugin']);
  const otherReleaseCrd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'others.example.com', undefined, ['other', 'nvidia-device-plugin']);
  const notANode: LiveObject = { apiVersion: 'metrics.example.com/v1', kind: 'Node', metadata: { name: 'fake-node' } };
  // our own plugin, already on the cluster: never a thing to migrate
  const oursLive = { ...OUR_DP, metadata: { ...OUR_DP.metadata, name: 'nvidia-device-plugin-extra' } } as LiveObject;
  const files = [
    // an object without labels at all (applied as it is)
    file('00-namespaces.yaml', [obj('v1', 'Namespace', 'gpu')]),
    file('never-pruned/coredns.yaml', [ours(undefined, obj('v1', 'ConfigMap', 'coredns', 'kube-system'))]),
    // a file of the component is left out of the first apply even when some of its objects belong to none
    file(DP_FILE, [
      ours(undefined, obj('v1', 'ServiceAccount', 'nvidia-device-plugin', 'kube-system')),
      OUR_DP,
      ours('nvidia-device-plugin', obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'nvidia-device-plugin')),
    ]),
    file('22-dcgm-exporter.yaml', [ours('dcgm-exporter', workload('DaemonSet', 'monitoring', 'dcgm-exporter'))]),
  ];
  const live = [...NODES, notANode, crd, theirs, role, sa, otherReleaseCrd, oursLive];
  const plan = () => planMigration('lab', 'dist/lab', files, live);

  it('finds their DaemonSet only (not ours), with image, release and the nodes it runs on', () => {
    const p = plan();
    expect(p.site).toBe('lab');
    expect(p.components.map((c) => c.component)).toEqual(['nvidia-device-plugin']);
    const c = component(p, 'nvidia-device-plugin');
    expect(c.title).toBe('NVIDIA device plugin');
    expect(c.found).toStrictEqual([
      { object: 'DaemonSet nvidia-device-plugin/nvdp-nvidia-device-plugin', image: DP_IMAGE, release: { name: 'nvdp', namespace: 'nvidia-device-plugin' }, nodes: ['cpu-1', 'gpu-a', 'gpu-b'] },
    ]);
    expect(c.ours).toStrictEqual([{ object: 'DaemonSet kube-system/nvidia-device-plugin-daemonset', file: 'dist/lab/20-nvidia-device-plugin.yaml', nodes: ['gpu-a', 'gpu-b'] }]);
  });

  it('first applies, in one command, every file of ours that replaces nothing, except never-pruned/', () => {
    expect(plan().prepare).toEqual([
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/00-namespaces.yaml -f dist/lab/22-dcgm-exporter.yaml', why: PREPARE_WHY },
    ]);
  });

  it('keeps the CRD and the ClusterRole we render when the release goes, removes the rest of it by name before ours, checks GPUs before and after, then clears the release marks', () => {
    const c = component(plan(), 'nvidia-device-plugin');
    expect(c.strategy).toBe('remove-first');
    expect(c.steps).toEqual([
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'before: every node of ours (2 now) still advertises nvidia.com/gpu' },
      { kind: 'remove', command: 'kubectl delete daemonset/nvdp-nvidia-device-plugin -n nvidia-device-plugin --wait=true', why: REMOVE_WHY('nvdp') },
      { kind: 'remove', command: 'kubectl delete serviceaccount/nvdp -n nvidia-device-plugin --wait=true', why: REMOVE_WHY('nvdp') },
      RECORD('nvdp', 'nvidia-device-plugin'),
      { kind: 'adopt', command: 'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/lab/20-nvidia-device-plugin.yaml', why: ADOPT_WHY },
      { kind: 'wait', command: 'kubectl rollout status daemonset/nvidia-device-plugin-daemonset -n kube-system --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'after ours is ready: every node of ours (2 now) still advertises nvidia.com/gpu' },
      UNMARK('customresourcedefinition.apiextensions.k8s.io/things.example.com', 'deleting a CRD deletes every custom resource of its kind'),
      UNLABEL('customresourcedefinition.apiextensions.k8s.io/things.example.com'),
      UNMARK('clusterrole.rbac.authorization.k8s.io/nvidia-device-plugin', 'we render ClusterRole nvidia-device-plugin too (dist/lab/20-nvidia-device-plugin.yaml): it is taken over, not deleted'),
    ]);
    // the kept objects are never deleted, the CRD of another release is not touched, and no step runs helm
    expect(deleted(c.steps)).toEqual(['daemonset/nvdp-nvidia-device-plugin -n nvidia-device-plugin', 'serviceaccount/nvdp -n nvidia-device-plugin']);
    expect(unmarked(c.steps)).toEqual(['customresourcedefinition.apiextensions.k8s.io/things.example.com', 'clusterrole.rbac.authorization.k8s.io/nvidia-device-plugin']);
    expect(c.steps.some((s) => s.command.includes('others.example.com'))).toBe(false);
    expectNoHelm(c.steps);
  });

  it('says why theirs goes first, what is taken over, and warns about the nodes ours leaves without a plugin', () => {
    const c = component(plan(), 'nvidia-device-plugin');
    expect(c.reason).toBe(
      'DaemonSet nvidia-device-plugin/nvdp-nvidia-device-plugin and ours select the same nodes (gpu-a, gpu-b); two device plugins on one node register nvidia.com/gpu twice: the GPUs are advertised twice and pods are over-admitted. Theirs goes first: until our pod is ready on a node, no NVIDIA device plugin runs there (running pods keep their GPUs; new GPU pods wait)' +
        '; we render these too, so they are kept when their release goes and taken over by the apply: ClusterRole nvidia-device-plugin',
    );
    expect(c.warnings).toEqual([
      'DaemonSet nvidia-device-plugin/nvdp-nvidia-device-plugin runs on cpu-1, which ours does not select: after the switch no NVIDIA device plugin runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)',
    ]);
    expect(planNeedsSteps(plan())).toBe(true);
  });

  it('prints the plan as the migrate command shows it', () => {
    const lines = formatMigrationPlan(plan(), 'prod');
    expect(lines.slice(0, 9)).toEqual([
      'lab: 1 component(s) to migrate on prod',
      '',
      'first: kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/00-namespaces.yaml -f dist/lab/22-dcgm-exporter.yaml',
      `  ${PREPARE_WHY}`,
      '',
      'nvidia-device-plugin (NVIDIA device plugin): remove-first',
      `  found: DaemonSet nvidia-device-plugin/nvdp-nvidia-device-plugin image ${DP_IMAGE}, Helm release nvdp in nvidia-device-plugin, nodes: cpu-1, gpu-a, gpu-b`,
      '  ours:  DaemonSet kube-system/nvidia-device-plugin-daemonset (dist/lab/20-nvidia-device-plugin.yaml), nodes: gpu-a, gpu-b',
      `  why:   ${component(plan(), 'nvidia-device-plugin').reason}`,
    ]);
    expect(lines.filter((l) => /^ {2}\d+\. /.test(l)).map((l) => l.split(' ').slice(2, 4).join(' '))).toEqual([
      '1. [check]',
      '2. [remove]',
      '3. [remove]',
      '4. [release]',
      '5. [adopt]',
      '6. [wait]',
      '7. [check]',
      '8. [release]',
      '9. [release]',
      '10. [release]',
    ]);
    expect(lines.filter((l) => /^ {2}\d+\. \[\w+\] helm /.test(l))).toEqual([]);
    expect(lines).toContain('  4. [release] kubectl delete secret,configmap -n nvidia-device-plugin -l owner=helm,name=nvdp');
  });
});

describe('planMigration: device plugin of our name (adopt, or delete then apply)', () => {
  const SELECTOR = { b: '2', a: '1' };
  const ourDp = ours(
    'nvidia-device-plugin',
    workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', { image: DP_IMAGE, selector: { a: '1', b: '2' }, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } }),
  );
  const files = [file(DP_FILE, [ourDp])];
  // eksctl's static manifest: our name, our selector (its keys in another order), an env var and a volume we do not set
  const eksctl = workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', {
    labels: { [MANAGED_BY]: 'eksctl' },
    selector: SELECTOR,
    pod: { tolerations: TOLERATE_GPU, containers: [{ name: 'main', image: DP_IMAGE, env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }] }], volumes: [{ name: 'device-plugin' }] },
  });
  // a second plugin of theirs on a node ours does not select
  const mig = workload('DaemonSet', 'gpu-operator', 'nvidia-device-plugin-mig', { image: DP_IMAGE, labels: { [MANAGED_BY]: 'gpu-operator' }, pod: { nodeSelector: { mig: 'yes' } } });
  const migNode = node('mig-1', { mig: 'yes' });

  it('takes ours over in place, tidies what theirs set, waits and checks; the disjoint one goes after, by name', () => {
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, migNode, eksctl, mig]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('adopt');
    expect(c.steps).toEqual([
      { kind: 'adopt', command: 'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/lab/20-nvidia-device-plugin.yaml', why: ADOPT_WHY },
      {
        kind: 'tidy',
        command: `kubectl patch daemonset/nvidia-device-plugin-daemonset -n kube-system --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"FAIL_ON_INIT_ERROR","$patch":"delete"}]}],"volumes":[{"name":"device-plugin","$patch":"delete"}]}}}}'`,
        why: 'server-side apply leaves fields the old install set and we do not (they stay owned by its field manager): this removes them, so the pod template is exactly ours',
      },
      { kind: 'wait', command: 'kubectl rollout status daemonset/nvidia-device-plugin-daemonset -n kube-system --timeout=5m', why: 'every pod of ours is ready before anything of theirs goes' },
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'after ours is ready: every node of ours (2 now) still advertises nvidia.com/gpu' },
      { kind: 'remove', command: 'kubectl delete daemonset/nvidia-device-plugin-mig -n gpu-operator --wait=true', why: 'not installed by Helm (managed-by gpu-operator): removed by name' },
    ]);
    expect(c.reason).toBe(
      'DaemonSet kube-system/nvidia-device-plugin-daemonset has our name and our selector (b=2,a=1), which cannot change: the apply takes it over in place and the rollout replaces its pods node by node, never two on one node' +
        '; DaemonSet gpu-operator/nvidia-device-plugin-mig and ours select no common node: ours is applied and ready before theirs goes, no gap',
    );
    expect(c.warnings).toEqual([
      'DaemonSet kube-system/nvidia-device-plugin-daemonset runs on cpu-1, mig-1, which ours does not select: after the switch no NVIDIA device plugin runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)',
      'DaemonSet gpu-operator/nvidia-device-plugin-mig runs on mig-1, which ours does not select: after the switch no NVIDIA device plugin runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)',
    ]);
  });

  it('adopting a template that already is ours: no tidy step, and no release to clean', () => {
    const same = { ...eksctl, spec: { ...(ourDp.spec as object) } } as LiveObject;
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, same]), 'nvidia-device-plugin');
    expect(c.steps.map((s) => s.kind)).toEqual(['adopt', 'wait', 'check']);
    expect(c.warnings).toEqual([]);
  });

  it('our name with another selector: deleted (by name, not Helm) before ours is applied; the gap is said', () => {
    const clash = workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', { image: DP_IMAGE, selector: { app: 'old' }, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } });
    (clash.spec as { selector: Record<string, unknown> }).selector = { matchLabels: { app: 'old' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] };
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, clash]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('delete-then-apply');
    expect(c.reason).toBe(
      'DaemonSet kube-system/nvidia-device-plugin-daemonset has our name but selector {"matchExpressions":[{"key":"tier","operator":"In","values":["b","a"]}],"matchLabels":{"app":"old"}} instead of ours {"matchLabels":{"a":"1","b":"2"}}; spec.selector is immutable, so it must be deleted before ours is applied: between the two, no NVIDIA device plugin runs on its nodes (running pods keep what they hold; new ones wait)',
    );
    expect(c.steps).toEqual([
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'before: every node of ours (2 now) still advertises nvidia.com/gpu' },
      { kind: 'remove', command: 'kubectl delete daemonset/nvidia-device-plugin-daemonset -n kube-system --wait=true', why: 'not installed by Helm: removed by name' },
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/20-nvidia-device-plugin.yaml', why: 'installs ours' },
      { kind: 'wait', command: 'kubectl rollout status daemonset/nvidia-device-plugin-daemonset -n kube-system --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'after ours is ready: every node of ours (2 now) still advertises nvidia.com/gpu' },
    ]);
  });

  it('a Helm-installed copy of ours is kept, taken over and tidied; its release goes first with the other plugin of the release', () => {
    const adopted = workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', {
      release: 'nvdp',
      selector: { a: '1', b: '2' },
      pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU, containers: [{ name: 'nvidia-device-plugin-ctr', image: DP_IMAGE }] },
    });
    const extra = workload('DaemonSet', 'kube-system', 'nvdp-extra', { image: DP_IMAGE, release: 'nvdp', pod: { tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, adopted, extra]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('remove-first');
    expect(c.steps).toEqual([
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'before: every node of ours (2 now) still advertises nvidia.com/gpu' },
      { kind: 'remove', command: 'kubectl delete daemonset/nvdp-extra -n kube-system --wait=true', why: REMOVE_WHY('nvdp') },
      RECORD('nvdp', 'kube-system'),
      { kind: 'adopt', command: 'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/lab/20-nvidia-device-plugin.yaml', why: ADOPT_WHY },
      {
        kind: 'tidy',
        command: `kubectl patch daemonset/nvidia-device-plugin-daemonset -n kube-system --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"nvidia-device-plugin-ctr","$patch":"delete"}]}}}}'`,
        why: 'server-side apply leaves fields the old install set and we do not (they stay owned by its field manager): this removes them, so the pod template is exactly ours',
      },
      { kind: 'wait', command: 'kubectl rollout status daemonset/nvidia-device-plugin-daemonset -n kube-system --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      { kind: 'check', command: GPU_CHECK('gpu-a gpu-b'), why: 'after ours is ready: every node of ours (2 now) still advertises nvidia.com/gpu' },
      UNMARK(
        'daemonset/nvidia-device-plugin-daemonset -n kube-system',
        'we render DaemonSet kube-system/nvidia-device-plugin-daemonset too (dist/lab/20-nvidia-device-plugin.yaml): it is taken over, not deleted',
      ),
    ]);
    // the copy of ours is never deleted, only the other plugin of the release; no step runs helm
    expect(deleted(c.steps)).toEqual(['daemonset/nvdp-extra -n kube-system']);
    expectNoHelm(c.steps);
    expect(c.reason).toBe(
      'DaemonSet kube-system/nvidia-device-plugin-daemonset has our name and our selector (a=1,b=2), which cannot change: the apply takes it over in place and the rollout replaces its pods node by node, never two on one node' +
        '; DaemonSet kube-system/nvdp-extra and ours select the same nodes (gpu-a, gpu-b); two device plugins on one node register nvidia.com/gpu twice: the GPUs are advertised twice and pods are over-admitted. Theirs goes first: until our pod is ready on a node, no NVIDIA device plugin runs there (running pods keep their GPUs; new GPU pods wait)' +
        '; we render these too, so they are kept when their release goes and taken over by the apply: DaemonSet kube-system/nvidia-device-plugin-daemonset',
    );
  });

  it('without a DaemonSet of ours: no GPU check, nothing to wait for, theirs goes after ours is applied', () => {
    const onlyConfig = [file(DP_FILE, [ours('nvidia-device-plugin', obj('v1', 'ConfigMap', 'dp-config', 'kube-system'))])];
    const nvdp = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp', { image: DP_IMAGE, release: 'nvdp', pod: { tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', onlyConfig, [...NODES, nvdp]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('apply-first');
    expect(c.ours).toEqual([]);
    expect(c.steps).toEqual([
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/20-nvidia-device-plugin.yaml', why: 'installs ours' },
      { kind: 'remove', command: 'kubectl delete daemonset/nvdp -n nvidia-device-plugin --wait=true', why: REMOVE_WHY('nvdp') },
      RECORD('nvdp', 'nvidia-device-plugin'),
    ]);
    expectNoHelm(c.steps);
    expect(c.reason).toBe('DaemonSet nvidia-device-plugin/nvdp and ours select no common node: ours is applied and ready before theirs goes, no gap');
    expect(c.warnings).toEqual([
      'DaemonSet nvidia-device-plugin/nvdp runs on cpu-1, gpu-a, gpu-b, which ours does not select: after the switch no NVIDIA device plugin runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)',
    ]);
  });

  it('no GPU check when our plugin selects no node of the cluster', () => {
    const c = component(planMigration('lab', 'dist/lab', files, [node('cpu-1'), mig, migNode]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('apply-first');
    expect(c.steps.map((s) => s.kind)).toEqual(['apply', 'wait', 'remove']);
    expect(c.ours).toStrictEqual([{ object: 'DaemonSet kube-system/nvidia-device-plugin-daemonset', file: 'dist/lab/20-nvidia-device-plugin.yaml', nodes: [] }]);
  });
});

describe('planMigration: DCGM exporter (side by side is harmless)', () => {
  const DCGM = 'nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.1-ubuntu22.04';
  const ourDcgm = ours('dcgm-exporter', workload('DaemonSet', 'monitoring', 'dcgm-exporter', { image: DCGM, selector: { 'app.kubernetes.io/name': 'dcgm-exporter' }, pod: { tolerations: TOLERATE_GPU } }));
  const ourService = ours('dcgm-exporter', obj('v1', 'Service', 'dcgm-exporter', 'monitoring', undefined, { spec: { selector: { 'app.kubernetes.io/name': 'dcgm-exporter' } } }));
  const files = [file('30-dcgm-exporter.yaml', [ourDcgm, ourService])];

  it('our name, another selector: their release goes first, the DaemonSet is not kept but the Service we render is; "a short gap"', () => {
    const theirs = workload('DaemonSet', 'monitoring', 'dcgm-exporter', { image: DCGM, release: 'dcgm', selector: { app: 'dcgm' }, pod: { tolerations: TOLERATE_GPU } });
    // a Service's selector is not immutable: another one does not stop the takeover
    const service = obj('v1', 'Service', 'dcgm-exporter', 'monitoring', ['dcgm', 'monitoring'], { spec: { selector: { app: 'dcgm' } } });
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, theirs, service]), 'dcgm-exporter');
    expect(c.strategy).toBe('delete-then-apply');
    expect(c.reason).toBe(
      'DaemonSet monitoring/dcgm-exporter has our name but selector {"matchLabels":{"app":"dcgm"}} instead of ours {"matchLabels":{"app.kubernetes.io/name":"dcgm-exporter"}}; spec.selector is immutable, so it must be deleted before ours is applied: a short gap' +
        '; we render these too, so they are kept when their release goes and taken over by the apply: Service monitoring/dcgm-exporter',
    );
    expect(c.steps).toEqual([
      { kind: 'remove', command: 'kubectl delete daemonset/dcgm-exporter -n monitoring --wait=true', why: REMOVE_WHY('dcgm') },
      RECORD('dcgm', 'monitoring'),
      { kind: 'adopt', command: 'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/lab/30-dcgm-exporter.yaml', why: ADOPT_WHY },
      { kind: 'wait', command: 'kubectl rollout status daemonset/dcgm-exporter -n monitoring --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      UNMARK('service/dcgm-exporter -n monitoring', 'we render Service monitoring/dcgm-exporter too (dist/lab/30-dcgm-exporter.yaml): it is taken over, not deleted'),
    ]);
    // the DaemonSet of our name but another selector is deleted, the Service is not
    expect(deleted(c.steps)).toEqual(['daemonset/dcgm-exporter -n monitoring']);
    expect(unmarked(c.steps)).toEqual(['service/dcgm-exporter -n monitoring']);
    expectNoHelm(c.steps);
    expect(c.warnings).toEqual([]);
  });

  it('another name on the same nodes: ours first, their releases (sorted) after, no gap', () => {
    const a = workload('DaemonSet', 'zeta', 'nvidia-dcgm-exporter', { image: DCGM, release: 'gpu-mon', pod: { tolerations: TOLERATE_GPU } });
    const b = workload('DaemonSet', 'alpha', 'dcgm', { image: DCGM, release: 'dcgm', pod: { tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, a, b]), 'dcgm-exporter');
    expect(c.strategy).toBe('apply-first');
    expect(c.reason).toBe(
      'DaemonSet zeta/nvidia-dcgm-exporter and ours may run side by side for the switch: ours first, no gap; DaemonSet alpha/dcgm and ours may run side by side for the switch: ours first, no gap',
    );
    expect(c.steps).toEqual([
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/30-dcgm-exporter.yaml', why: 'installs ours' },
      { kind: 'wait', command: 'kubectl rollout status daemonset/dcgm-exporter -n monitoring --timeout=5m', why: 'every pod of ours is ready before anything of theirs goes' },
      { kind: 'remove', command: 'kubectl delete daemonset/dcgm -n alpha --wait=true', why: REMOVE_WHY('dcgm') },
      RECORD('dcgm', 'alpha'),
      { kind: 'remove', command: 'kubectl delete daemonset/nvidia-dcgm-exporter -n zeta --wait=true', why: REMOVE_WHY('gpu-mon') },
      RECORD('gpu-mon', 'zeta'),
    ]);
    expectNoHelm(c.steps);
  });

  it('a release goes object by object: its workloads first, then the rest in live order, then its record; what is kept is left, another namespace\'s release of that name untouched', () => {
    const REL: [string, string] = ['mon', 'monitoring'];
    const theirs = workload('DaemonSet', 'monitoring', 'nvidia-dcgm', { image: DCGM, release: 'mon', pod: { tolerations: TOLERATE_GPU } });
    const live = [
      ...NODES,
      obj('v1', 'ConfigMap', 'dcgm-cfg', 'monitoring', REL),
      workload('Deployment', 'monitoring', 'helper', { release: 'mon' }),
      obj('v1', 'Service', 'metrics', 'monitoring', REL),
      theirs,
      obj('rbac.authorization.k8s.io/v1', 'Role', 'mon', 'monitoring', REL),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'metrics.example.com', undefined, REL),
      obj('v1', 'ConfigMap', 'dcgm-cfg', 'other', ['mon', 'other']),
    ];
    const c = component(planMigration('lab', 'dist/lab', files, live), 'dcgm-exporter');
    expect(c.strategy).toBe('apply-first');
    expect(c.steps).toEqual([
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/30-dcgm-exporter.yaml', why: 'installs ours' },
      { kind: 'wait', command: 'kubectl rollout status daemonset/dcgm-exporter -n monitoring --timeout=5m', why: 'every pod of ours is ready before anything of theirs goes' },
      { kind: 'remove', command: 'kubectl delete deployment/helper -n monitoring --wait=true', why: REMOVE_WHY('mon') },
      { kind: 'remove', command: 'kubectl delete daemonset/nvidia-dcgm -n monitoring --wait=true', why: REMOVE_WHY('mon') },
      { kind: 'remove', command: 'kubectl delete configmap/dcgm-cfg -n monitoring --wait=true', why: REMOVE_WHY('mon') },
      { kind: 'remove', command: 'kubectl delete service/metrics -n monitoring --wait=true', why: REMOVE_WHY('mon') },
      { kind: 'remove', command: 'kubectl delete role.rbac.authorization.k8s.io/mon -n monitoring --wait=true', why: REMOVE_WHY('mon') },
      RECORD('mon', 'monitoring'),
      UNMARK('customresourcedefinition.apiextensions.k8s.io/metrics.example.com', 'deleting a CRD deletes every custom resource of its kind'),
      UNLABEL('customresourcedefinition.apiextensions.k8s.io/metrics.example.com'),
    ]);
    expectNoHelm(c.steps);
  });

  it('applies each file of ours once, in file order, and waits for every workload of ours', () => {
    const second = ours('dcgm-exporter', workload('DaemonSet', 'monitoring', 'dcgm-exporter-2', { image: DCGM, pod: { tolerations: TOLERATE_GPU } }));
    const split = [file('30-dcgm-exporter.yaml', [ourDcgm, ourService]), file('31-dcgm-extra.yaml', [second])];
    const theirs = workload('DaemonSet', 'monitoring', 'other-dcgm', { image: DCGM });
    const c = component(planMigration('lab', 'dist/lab', split, [...NODES, theirs]), 'dcgm-exporter');
    expect(c.steps.map((s) => s.command)).toEqual([
      'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/30-dcgm-exporter.yaml',
      'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/31-dcgm-extra.yaml',
      'kubectl rollout status daemonset/dcgm-exporter -n monitoring --timeout=5m',
      'kubectl rollout status daemonset/dcgm-exporter-2 -n monitoring --timeout=5m',
      'kubectl delete daemonset/other-dcgm -n monitoring --wait=true',
    ]);
    expect(c.ours.map((o) => o.object)).toEqual(['DaemonSet monitoring/dcgm-exporter', 'DaemonSet monitoring/dcgm-exporter-2']);
  });
});

describe('planMigration: cluster-autoscaler (never two at once)', () => {
  const CA = 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.0';
  const ourCa = ours('cluster-autoscaler', workload('Deployment', 'kube-system', 'cluster-autoscaler', { image: CA, selector: { 'app.kubernetes.io/name': 'cluster-autoscaler' } }));
  const files = [file('40-cluster-autoscaler.yaml', [ourCa])];
  const theirs = workload('Deployment', 'kube-system', 'ca-aws-cluster-autoscaler', {
    image: CA,
    release: 'ca',
    selector: { 'app.kubernetes.io/name': 'aws-cluster-autoscaler', 'app.kubernetes.io/instance': 'ca' },
  });

  it('theirs is scaled to 0 and its pods gone before ours starts; its release goes once ours is ready', () => {
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, theirs]), 'cluster-autoscaler');
    expect(c.strategy).toBe('scale-down-first');
    expect(c.found).toStrictEqual([{ object: 'Deployment kube-system/ca-aws-cluster-autoscaler', image: CA, release: { name: 'ca', namespace: 'kube-system' } }]);
    expect(c.ours).toStrictEqual([{ object: 'Deployment kube-system/cluster-autoscaler', file: 'dist/lab/40-cluster-autoscaler.yaml' }]);
    expect(c.reason).toBe(
      'Deployment kube-system/ca-aws-cluster-autoscaler and ours must not run at once (two cluster-autoscalers scale the same node groups against each other): theirs is scaled to 0 first, so for a minute no cluster-autoscaler runs',
    );
    expect(c.steps).toEqual([
      { kind: 'scale', command: 'kubectl scale deployment/ca-aws-cluster-autoscaler -n kube-system --replicas=0', why: 'theirs stops before ours starts: never two autoscalers' },
      {
        kind: 'wait',
        command: 'kubectl wait --for=delete pod -l app.kubernetes.io/name=aws-cluster-autoscaler,app.kubernetes.io/instance=ca -n kube-system --timeout=2m',
        why: 'its last pod is gone',
      },
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/40-cluster-autoscaler.yaml', why: 'installs ours' },
      { kind: 'wait', command: 'kubectl rollout status deployment/cluster-autoscaler -n kube-system --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      { kind: 'remove', command: 'kubectl delete deployment/ca-aws-cluster-autoscaler -n kube-system --wait=true', why: REMOVE_WHY('ca') },
      RECORD('ca', 'kube-system'),
    ]);
    expectNoHelm(c.steps);
    expect(c.warnings).toEqual([]);
  });

  it('scaling down wins over adopting: one of our name is adopted, another scaled to 0 first', () => {
    const same = workload('Deployment', 'kube-system', 'cluster-autoscaler', { image: CA, selector: { 'app.kubernetes.io/name': 'cluster-autoscaler' } });
    const c = component(planMigration('lab', 'dist/lab', files, [same, theirs]), 'cluster-autoscaler');
    expect(c.strategy).toBe('scale-down-first');
    expect(c.steps.map((s) => s.kind)).toEqual(['scale', 'wait', 'adopt', 'wait', 'remove', 'release']);
    expect(c.steps).toEqual([
      { kind: 'scale', command: 'kubectl scale deployment/ca-aws-cluster-autoscaler -n kube-system --replicas=0', why: 'theirs stops before ours starts: never two autoscalers' },
      {
        kind: 'wait',
        command: 'kubectl wait --for=delete pod -l app.kubernetes.io/name=aws-cluster-autoscaler,app.kubernetes.io/instance=ca -n kube-system --timeout=2m',
        why: 'its last pod is gone',
      },
      { kind: 'adopt', command: 'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/lab/40-cluster-autoscaler.yaml', why: ADOPT_WHY },
      { kind: 'wait', command: 'kubectl rollout status deployment/cluster-autoscaler -n kube-system --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      { kind: 'remove', command: 'kubectl delete deployment/ca-aws-cluster-autoscaler -n kube-system --wait=true', why: REMOVE_WHY('ca') },
      RECORD('ca', 'kube-system'),
    ]);
    // the adopted one (not of a release) is neither deleted nor unmarked
    expect(deleted(c.steps)).toEqual(['deployment/ca-aws-cluster-autoscaler -n kube-system']);
    expect(unmarked(c.steps)).toEqual([]);
    expectNoHelm(c.steps);
  });

  it('waits for the pods of a Deployment selected by expressions with the same selector, in set-based form (never an empty -l)', () => {
    const byExpressions = {
      ...theirs,
      spec: {
        ...(theirs.spec as object),
        selector: {
          matchLabels: { app: 'ca' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['a', 'b'] },
            { key: 'track', operator: 'NotIn', values: ['canary'] },
            { key: 'autoscaler', operator: 'Exists' },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
      },
    } as LiveObject;
    const onlyExpressions = { ...theirs, spec: { ...(theirs.spec as object), selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['ca'] }] } } } as LiveObject;
    const waitOf = (t: LiveObject) => component(planMigration('lab', 'dist/lab', files, [...NODES, t]), 'cluster-autoscaler').steps.find((s) => s.kind === 'wait')!.command;
    expect(waitOf(byExpressions)).toBe("kubectl wait --for=delete pod -l 'app=ca,tier in (a,b),track notin (canary),autoscaler,!legacy' -n kube-system --timeout=2m");
    expect(waitOf(onlyExpressions)).toBe("kubectl wait --for=delete pod -l 'app in (ca)' -n kube-system --timeout=2m");
  });
});

describe('planMigration: DRA driver (claims, DeviceClasses, a controller without counterpart)', () => {
  const DRA = 'nvcr.io/nvidia/k8s-dra-driver-gpu:v25.3.0';
  const REL: [string, string] = ['dra', 'nvidia-dra-driver'];
  const ourPlugin = ours('nvidia-dra-driver', workload('DaemonSet', 'nvidia-dra-driver', 'nvidia-dra-driver-kubelet-plugin', { image: DRA, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } }));
  const ourPolicy = ours(
    'nvidia-dra-driver',
    obj('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'resourceslices-policy', undefined, undefined, {
      spec: { matchConditions: [{ name: 'ours', expression: "object.x == 'y'" }], variables: [{ name: 'ours-var', expression: '1' }], validations: [{ expression: 'true' }] },
    }),
  );
  const ourClass = ours('nvidia-dra-driver', obj('resource.k8s.io/v1', 'DeviceClass', 'gpu.nvidia.com'));
  const files = [file('21-nvidia-dra-driver.yaml', [ourPlugin, ourPolicy, ourClass])];

  const plugin = workload('DaemonSet', 'nvidia-dra-driver', 'dra-kubelet-plugin', { image: DRA, release: 'dra', pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } });
  const controller = workload('Deployment', 'nvidia-dra-driver', 'dra-controller', { image: DRA, release: 'dra' });
  const policy = obj('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'resourceslices-policy', undefined, REL, {
    spec: { matchConditions: [{ name: 'theirs', expression: 'false' }], variables: [{ name: 'old', expression: '2' }], validations: [{ expression: 'true' }] },
  });
  const classes = ['gpu.nvidia.com', 'mig.nvidia.com', 'vfio.gpu.nvidia.com', 'compute-domain.nvidia.com'].map((n) => obj('resource.k8s.io/v1', 'DeviceClass', n, undefined, REL));
  const claim = (name: string, deviceClassName: string): LiveObject => ({
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceClaim',
    metadata: { name, namespace: 'ml' },
    spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName } }] } },
  });
  const claims = [
    ...['c1', 'c2', 'c3', 'c4'].map((n) => claim(n, 'gpu.nvidia.com')),
    ...['m1', 'm2', 'm3'].map((n) => claim(n, 'mig.nvidia.com')),
    claim('v1', 'vfio.gpu.nvidia.com'),
  ];
  const plan = () => planMigration('lab', 'dist/lab', files, [...NODES, plugin, controller, policy, ...classes, ...claims]);

  it('checks claims before and after, keeps what we render and what claims use, removes the rest of the release by name before ours, tidies the policy', () => {
    const c = component(plan(), 'nvidia-dra-driver');
    expect(c.strategy).toBe('remove-first');
    expect(c.steps).toEqual([
      { kind: 'check', command: CLAIM_CHECK, why: CLAIM_CHECK_WHY },
      // workloads first, then the rest in live order; the unclaimed DeviceClass we do not render goes too
      { kind: 'remove', command: 'kubectl delete daemonset/dra-kubelet-plugin -n nvidia-dra-driver --wait=true', why: REMOVE_WHY('dra') },
      { kind: 'remove', command: 'kubectl delete deployment/dra-controller -n nvidia-dra-driver --wait=true', why: REMOVE_WHY('dra') },
      { kind: 'remove', command: 'kubectl delete deviceclass.resource.k8s.io/compute-domain.nvidia.com --wait=true', why: REMOVE_WHY('dra') },
      RECORD('dra', 'nvidia-dra-driver'),
      { kind: 'adopt', command: 'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/lab/21-nvidia-dra-driver.yaml', why: ADOPT_WHY },
      {
        kind: 'tidy',
        command: `kubectl patch validatingadmissionpolicy.admissionregistration.k8s.io/resourceslices-policy --type=merge -p '{"spec":{"matchConditions":[{"name":"ours","expression":"object.x == '\\''y'\\''"}],"variables":[{"name":"ours-var","expression":"1"}]}}'`,
        why: 'server-side apply keeps the entries of theirs that ours does not name (spec.matchConditions, spec.variables): those lists become exactly ours',
      },
      { kind: 'wait', command: 'kubectl rollout status daemonset/nvidia-dra-driver-kubelet-plugin -n nvidia-dra-driver --timeout=5m', why: 'every pod of ours is ready: the gap ends here' },
      { kind: 'check', command: CLAIM_CHECK, why: `after ours is ready: ${CLAIM_CHECK_WHY}` },
      UNMARK(
        'validatingadmissionpolicy.admissionregistration.k8s.io/resourceslices-policy',
        'we render ValidatingAdmissionPolicy resourceslices-policy too (dist/lab/21-nvidia-dra-driver.yaml): it is taken over, not deleted',
      ),
      UNMARK('deviceclass.resource.k8s.io/gpu.nvidia.com', 'we render DeviceClass gpu.nvidia.com too (dist/lab/21-nvidia-dra-driver.yaml): it is taken over, not deleted'),
      UNMARK(
        'deviceclass.resource.k8s.io/mig.nvidia.com',
        'claims ask for it (ResourceClaim ml/m1, ResourceClaim ml/m2, ResourceClaim ml/m3): deleting it would fail their next allocation',
      ),
      UNLABEL('deviceclass.resource.k8s.io/mig.nvidia.com'),
      UNMARK('deviceclass.resource.k8s.io/vfio.gpu.nvidia.com', 'claims ask for it (ResourceClaim ml/v1): deleting it would fail their next allocation'),
      UNLABEL('deviceclass.resource.k8s.io/vfio.gpu.nvidia.com'),
    ]);
    // no kept object is deleted; every one has its marks removed; no step runs helm
    const kept = unmarked(c.steps);
    expect(deleted(c.steps).filter((d) => kept.includes(d))).toEqual([]);
    expect(kept).toHaveLength(4);
    expectNoHelm(c.steps);
  });

  it('says the controller has no counterpart, names what is taken over, and warns about kept classes we do not render', () => {
    const c = component(plan(), 'nvidia-dra-driver');
    expect(c.found.map((f) => f.object)).toEqual(['DaemonSet nvidia-dra-driver/dra-kubelet-plugin', 'Deployment nvidia-dra-driver/dra-controller']);
    expect(c.reason).toBe(
      'DaemonSet nvidia-dra-driver/dra-kubelet-plugin and ours select the same nodes (gpu-a, gpu-b); two kubelet plugins of driver gpu.nvidia.com on one node share its plugin socket and publish its ResourceSlices twice. Theirs goes first: until our pod is ready on a node, no NVIDIA DRA driver runs there (running pods keep their GPUs; new GPU pods wait)' +
        '; Deployment nvidia-dra-driver/dra-controller has no counterpart in ours: it goes when its release is removed (see the steps for when)' +
        '; we render these too, so they are kept when their release goes and taken over by the apply: ValidatingAdmissionPolicy resourceslices-policy, DeviceClass gpu.nvidia.com',
    );
    expect(c.warnings).toEqual([
      'DeviceClass mig.nvidia.com is kept because claims ask for it, but we do not render it: delete it once no claim uses it',
      'DeviceClass vfio.gpu.nvidia.com is kept because claims ask for it, but we do not render it: delete it once no claim uses it',
    ]);
  });

  it('lists at most three claims that use a class, then an ellipsis', () => {
    const files2 = [file('21-nvidia-dra-driver.yaml', [ourPlugin])];
    const c = component(planMigration('lab', 'dist/lab', files2, [...NODES, plugin, classes[0], ...claims]), 'nvidia-dra-driver');
    expect(c.steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl annotate ')).map((s) => s.why)).toEqual([
      'kept: claims ask for it (ResourceClaim ml/c1, ResourceClaim ml/c2, ResourceClaim ml/c3, …): deleting it would fail their next allocation; the release is gone, so its marks go too (a later helm install would claim the object)',
    ]);
    expect(unmarked(c.steps)).toEqual(['deviceclass.resource.k8s.io/gpu.nvidia.com']);
    expect(deleted(c.steps)).toEqual(['daemonset/dra-kubelet-plugin -n nvidia-dra-driver']);
  });

  it('with a controller of ours too, theirs is scaled down first, and removing the plugin first still wins', () => {
    const ourController = ours('nvidia-dra-driver', workload('Deployment', 'nvidia-dra-driver', 'nvidia-dra-driver-controller', { image: DRA }));
    const c = component(planMigration('lab', 'dist/lab', [file('21-nvidia-dra-driver.yaml', [ourPlugin, ourController])], [...NODES, plugin, controller]), 'nvidia-dra-driver');
    expect(c.strategy).toBe('remove-first');
    expect(c.reason).toContain(
      '; Deployment nvidia-dra-driver/dra-controller and ours must not run at once (two kubelet plugins of driver gpu.nvidia.com on one node share its plugin socket and publish its ResourceSlices twice): theirs is scaled to 0 first, so for a minute no NVIDIA DRA driver runs',
    );
    expect(c.steps.map((s) => `${s.kind} ${s.command.split(' ').slice(0, 3).join(' ')}`)).toEqual([
      'check kubectl get resourceclaims',
      'scale kubectl scale deployment/dra-controller',
      'wait kubectl wait --for=delete',
      'remove kubectl delete daemonset/dra-kubelet-plugin',
      'remove kubectl delete deployment/dra-controller',
      'release kubectl delete secret,configmap',
      'apply kubectl apply --server-side',
      'wait kubectl rollout status',
      'wait kubectl rollout status',
      'check kubectl get resourceclaims',
    ]);
    expect(c.steps.slice(3, 6)).toEqual([
      { kind: 'remove', command: 'kubectl delete daemonset/dra-kubelet-plugin -n nvidia-dra-driver --wait=true', why: REMOVE_WHY('dra') },
      { kind: 'remove', command: 'kubectl delete deployment/dra-controller -n nvidia-dra-driver --wait=true', why: REMOVE_WHY('dra') },
      RECORD('dra', 'nvidia-dra-driver'),
    ]);
    expectNoHelm(c.steps);
  });

  it("a plugin of theirs on nodes only a Deployment of ours may use: not an overlap, and those nodes lose the plugin", () => {
    const ourController = ours('nvidia-dra-driver', workload('Deployment', 'nvidia-dra-driver', 'nvidia-dra-driver-controller', { image: DRA }));
    const cpuPlugin = workload('DaemonSet', 'nvidia-dra-driver', 'cpu-plugin', { image: DRA, release: 'dra' });
    const c = component(planMigration('lab', 'dist/lab', [file('21-nvidia-dra-driver.yaml', [ourPlugin, ourController])], [...NODES, cpuPlugin]), 'nvidia-dra-driver');
    expect(c.strategy).toBe('apply-first');
    expect(c.reason).toBe('DaemonSet nvidia-dra-driver/cpu-plugin and ours select no common node: ours is applied and ready before theirs goes, no gap');
    expect(c.warnings).toEqual([
      'DaemonSet nvidia-dra-driver/cpu-plugin runs on cpu-1, which ours does not select: after the switch no NVIDIA DRA driver runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)',
    ]);
    expect(c.steps.map((s) => s.kind)).toEqual(['check', 'apply', 'wait', 'wait', 'check', 'remove', 'release']);
    expect(c.steps[3].why).toBe('every pod of ours is ready before anything of theirs goes');
    expect(c.steps.slice(5)).toEqual([
      { kind: 'remove', command: 'kubectl delete daemonset/cpu-plugin -n nvidia-dra-driver --wait=true', why: REMOVE_WHY('dra') },
      RECORD('dra', 'nvidia-dra-driver'),
    ]);
    expectNoHelm(c.steps);
  });

  it('a controller of theirs alone (no plugin) with no counterpart: ours first, their release after', () => {
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, controller]), 'nvidia-dra-driver');
    expect(c.strategy).toBe('apply-first');
    expect(c.steps.map((s) => s.kind)).toEqual(['check', 'apply', 'wait', 'check', 'remove', 'release']);
    expect(c.steps.slice(4)).toEqual([
      { kind: 'remove', command: 'kubectl delete deployment/dra-controller -n nvidia-dra-driver --wait=true', why: REMOVE_WHY('dra') },
      RECORD('dra', 'nvidia-dra-driver'),
    ]);
    expectNoHelm(c.steps);
  });
});

describe('planMigration: pull secrets managed by External Secrets', () => {
  const ourEs = ours('registry-credentials', obj('external-secrets.io/v1', 'ExternalSecret', 'harbor-registry', 'ml'));
  const files = [file('11-registry-credentials.yaml', [ourEs, ours('registry-credentials', obj('external-secrets.io/v1', 'ClusterSecretStore', 'harbor'))])];
  const secret = (name: string, ns: string, metadata: Partial<LiveObject['metadata']>): LiveObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name, namespace: ns, ...metadata },
  });

  it('theirs is deleted without its Secret, ours applied and synced, a Helm-installed one removed by name with its release record', () => {
    const owned = secret('harbor-registry', 'ml', { ownerReferences: [{ kind: 'ExternalSecret', name: 'theirs-pull' }] });
    const helmOne = secret('quay', 'web', { labels: { 'reconcile.external-secrets.io/data-hash': 'x' }, annotations: helmAnnotations('creds', 'web') });
    const c = component(planMigration('lab', 'dist/lab', files, [owned, helmOne]), 'registry-credentials');
    expect(c.title).toBe('pull secrets (External Secrets)');
    expect(c.strategy).toBe('apply-first');
    expect(c.found).toStrictEqual([{ object: 'Secret ml/harbor-registry' }, { object: 'Secret web/quay', release: { name: 'creds', namespace: 'web' } }]);
    expect(c.ours).toStrictEqual([{ object: 'ExternalSecret ml/harbor-registry', file: 'dist/lab/11-registry-credentials.yaml' }]);
    expect(c.reason).toBe('the pull Secret keeps existing while ownership moves: theirs is deleted without its Secret, ours takes the Secret over on its next refresh');
    expect(c.steps).toEqual([
      {
        kind: 'remove',
        command: 'kubectl delete externalsecret.external-secrets.io/theirs-pull -n ml --cascade=orphan',
        why: 'stops their ExternalSecret without deleting Secret ml/harbor-registry',
      },
      { kind: 'apply', command: 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/11-registry-credentials.yaml', why: 'installs ours' },
      { kind: 'wait', command: 'kubectl wait --for=condition=Ready externalsecret.external-secrets.io/harbor-registry -n ml --timeout=2m', why: 'ours has synced the Secret' },
      { kind: 'remove', command: 'kubectl delete secret/quay -n web --wait=true', why: REMOVE_WHY('creds') },
      RECORD('creds', 'web'),
    ]);
    expectNoHelm(c.steps);
    expect(c.warnings).toEqual([]);
  });

  it('a Secret our own ExternalSecret manages is not theirs; one owned by a same-named ExternalSecret elsewhere or not ours is', () => {
    const oursOnCluster = ours(undefined, obj('external-secrets.io/v1', 'ExternalSecret', 'pull', 'ml'));
    // ours, of that name and namespace, but no ExternalSecret
    const oursConfigMap = ours(undefined, obj('v1', 'ConfigMap', 'pull', 'web'));
    const theirsOnCluster = obj('external-secrets.io/v1', 'ExternalSecret', 'pull', 'web');
    const owner = { ownerReferences: [{ kind: 'ExternalSecret', name: 'pull' }] };
    const live = [
      oursOnCluster,
      oursConfigMap,
      theirsOnCluster,
      secret('a', 'ml', owner),
      secret('b', 'web', owner),
      secret('c', 'dev', owner),
      // owned by something else of that name, marked by External Secrets: not our ExternalSecret's
      secret('d', 'ml', { ownerReferences: [{ kind: 'Job', name: 'pull' }], labels: { 'reconcile.external-secrets.io/managed': 'x' } }),
      // another ExternalSecret of the namespace, not on the cluster
      secret('e', 'ml', { ownerReferences: [{ kind: 'ExternalSecret', name: 'gone' }] }),
    ];
    const c = component(planMigration('lab', 'dist/lab', files, live), 'registry-credentials');
    expect(c.found.map((f) => f.object)).toEqual(['Secret web/b', 'Secret dev/c', 'Secret ml/d', 'Secret ml/e']);
    expect(planMigration('lab', 'dist/lab', files, [oursOnCluster, secret('a', 'ml', owner)]).components).toEqual([]);
  });
});

describe('planMigration: what is left alone and what goes first', () => {
  const dcgm = workload('DaemonSet', 'monitoring', 'dcgm-exporter', { image: 'nvidia/dcgm-exporter:4', release: 'dcgm' });

  it('a component the site does not render: reported with its reason, no steps, and nothing prepared', () => {
    const p = planMigration('lab', 'dist/lab', [file('00-namespaces.yaml', [ours(undefined, obj('v1', 'Namespace', 'x'))]), file(DP_FILE, [OUR_DP])], [...NODES, dcgm]);
    expect(p.prepare).toEqual([]);
    expect(p.components).toStrictEqual([
      {
        component: 'dcgm-exporter',
        title: 'DCGM exporter',
        found: [{ object: 'DaemonSet monitoring/dcgm-exporter', image: 'nvidia/dcgm-exporter:4', release: { name: 'dcgm', namespace: 'monitoring' }, nodes: ['cpu-1'] }],
        ours: [],
        strategy: 'not-rendered',
        reason: 'the site does not render this component: nothing replaces it, so it is left alone (remove it yourself if the site should not have it)',
        warnings: [],
        steps: [],
      },
    ]);
    expect(planNeedsSteps(p)).toBe(false);
  });

  it('no prepare step when every file of ours belongs to a migrated component', () => {
    const ourDcgm = ours('dcgm-exporter', workload('DaemonSet', 'monitoring', 'dcgm-exporter-ours', { image: 'nvidia/dcgm-exporter:4' }));
    const p = planMigration('lab', 'dist/lab', [file('30-dcgm.yaml', [ourDcgm]), file('never-pruned/coredns.yaml', [ours(undefined, obj('v1', 'ConfigMap', 'coredns', 'kube-system'))])], [
      ...NODES,
      dcgm,
    ]);
    expect(component(p, 'dcgm-exporter').steps.length).toBeGreaterThan(0);
    expectNoHelm(component(p, 'dcgm-exporter').steps);
    expect(p.prepare).toEqual([]);
  });

  it('plans the components in rule order, whatever the order on the cluster', () => {
    const ca = workload('Deployment', 'kube-system', 'ca', { image: 'autoscaling/cluster-autoscaler:v1' });
    const dp = workload('DaemonSet', 'a', 'nvdp', { image: DP_IMAGE });
    expect(planMigration('lab', 'dist/lab', [], [dcgm, ca, dp]).components.map((c) => c.component)).toEqual(['nvidia-device-plugin', 'cluster-autoscaler', 'dcgm-exporter']);
  });
});
