import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import type { FieldChange } from '../lib/output/diff';
import {
  asServedIn,
  formatUpgradePlan,
  immutableChanges,
  kubectlResource,
  planChangesNothing,
  planUpgrade,
  type UpgradePlan,
} from '../lib/output/upgrade-plan';
import type { SiteBuild } from '../lib/pipeline/pipeline';

/**
 * Unit tests of lib/output/upgrade-plan.ts on small hand-made inputs (test/upgrade-plan.test.ts plans the
 * example site as a whole). Every expectation is a whole value, so a changed string, condition or order fails.
 */

interface BuildSpec {
  readonly version: string;
  /** Chart files in render order: path → objects. */
  readonly files?: Readonly<Record<string, readonly Manifest[]>>;
  readonly pools?: readonly { readonly name: string; readonly count: number }[];
  /** Every file of dist/<site>/ (NodeConfigs, never-pruned/…). */
  readonly output?: readonly { readonly path: string; readonly content: string }[];
}

/** A SiteBuild with only what planUpgrade reads: site name, version, pools, cluster, the site file, the render. */
function siteBuild({ version, files = {}, pools = [], output = [] }: BuildSpec): SiteBuild {
  return {
    site: {
      config: { name: 'lab', kubernetesVersion: version, nodePools: pools, cluster: { name: 'lab-eks', region: 'eu-west-1' } },
      source: { file: 'sites/lab.yaml' },
    },
    result: { files: Object.entries(files).map(([path, objects]) => ({ path, chart: path, objects })), extraFiles: [] },
    output,
    findings: [],
  } as unknown as SiteBuild;
}

const plan = (before: BuildSpec, after: BuildSpec) => planUpgrade(siteBuild(before), siteBuild(after));
const changed = (path: string, before: unknown = 1, after: unknown = 2): FieldChange => ({ op: 'changed', path, before, after });

const configMap = (name: string, data: Record<string, string>): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'apps' }, data });
const clusterRole = (name: string): Manifest => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [] });
const deviceClass = (name: string, apiVersion: string): Manifest => ({
  apiVersion,
  kind: 'DeviceClass',
  metadata: { name },
  spec: { selectors: [{ cel: { expression: `device.driver == "${name}.nvidia.com"` } }] },
});
const deployment = (selector: Record<string, string>): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { selector: { matchLabels: selector }, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
});
const binding = (role: string): Manifest => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'readers' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'Group', name: 'readers', apiGroup: 'rbac.authorization.k8s.io' }],
});
/** A claim template with one GPU request, flat (v1beta1) or under `exactly` (v1). */
const claimTemplate = (apiVersion: string, count: number): Manifest => {
  const device = { deviceClassName: 'gpu.nvidia.com', count };
  const request = apiVersion === 'resource.k8s.io/v1' ? { name: 'gpus', exactly: device } : { name: 'gpus', ...device };
  return { apiVersion, kind: 'ResourceClaimTemplate', metadata: { name: 'claim', namespace: 'ml' }, spec: { spec: { devices: { requests: [request] } } } };
};

const APPLY = 'KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=applysets.eks-hybrid-charts.io/lab -k dist/lab/';
const SET_VERSION =
  'Set kubernetesVersion: "1.34" in sites/lab.yaml, run `npm run synth` and review `dist/lab/` (`npm run diff` before the synth shows the same changes); do not apply or merge it yet.';
const CONTROL_PLANE =
  'Upgrade the control plane to 1.34: `eksctl upgrade cluster --name lab-eks --region eu-west-1 --version 1.34 --approve` (or `aws eks update-cluster-version`); wait until the cluster is ACTIVE, then update the EKS add-ons to versions for 1.34.';

describe('kubectlResource', () => {
  it('names a kind of a named API group `kind.group`, lowercased', () => {
    expect(kubectlResource({ apiVersion: 'apps/v1', kind: 'StatefulSet' })).toBe('statefulset.apps');
    expect(kubectlResource({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' })).toBe('clusterrolebinding.rbac.authorization.k8s.io');
  });

  it('names a kind of the core group by its lowercased kind alone', () => {
    expect(kubectlResource({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' })).toBe('persistentvolumeclaim');
  });
});

describe('planChangesNothing', () => {
  const quiet: UpgradePlan = {
    site: 'lab',
    file: 'sites/lab.yaml',
    from: '1.33',
    to: '1.34',
    changes: [],
    added: [],
    removed: [],
    recreate: [],
    unservedAfter: [],
    unservedBefore: [],
    pools: [{ name: 'gpu', count: 1, nodeConfig: 'nodes/gpu.nodeconfig.yaml' }],
    steps: ['1. Set kubernetesVersion'],
  };

  it('is true when no object changes, appears or disappears, whatever the pools and steps', () => {
    expect(planChangesNothing(quiet)).toBe(true);
  });

  it('is false as soon as one object changes, is added or is removed', () => {
    expect(planChangesNothing({ ...quiet, changes: [{ reason: 'image', object: 'Deployment apps/web', file: '10-apps.yaml', changes: [] }] })).toBe(false);
    expect(planChangesNothing({ ...quiet, added: [{ object: 'ConfigMap apps/new', file: '10-apps.yaml' }] })).toBe(false);
    expect(planChangesNothing({ ...quiet, removed: [{ object: 'ConfigMap apps/old', file: '10-apps.yaml', resource: 'configmap', namespace: 'apps', name: 'old' }] })).toBe(false);
  });

  it('is true for a plan of two identical renders', () => {
    const same = { version: '1.33', files: { '10-apps.yaml': [configMap('settings', { a: '1' })] } };
    const p = plan(same, { ...same, version: '1.34' });
    expect(planChangesNothing(p)).toBe(true);
    expect(p.recreate).toEqual([]);
  });
});

describe('immutableChanges', () => {
  /** Per rule: its kinds, fields the API server refuses to change, fields it accepts, and the reason given. */
  const RULES: readonly { apiVersion: string; kinds: string[]; immutable: string[]; mutable: string[]; why: string }[] = [
    {
      apiVersion: 'apps/v1',
      kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'],
      immutable: ['spec.selector', 'spec.selector.matchLabels.app', 'spec.selector.matchExpressions[0].key'],
      mutable: ['spec.replicas', 'spec.template.metadata.labels.app', 'spec.selectorPolicy', 'metadata.annotations.example.com/spec.selector'],
      why: 'spec.selector is immutable in apps/v1',
    },
    {
      apiVersion: 'apps/v1',
      kinds: ['StatefulSet'],
      immutable: ['spec.serviceName', 'spec.podManagementPolicy', 'spec.selector.matchLabels.app', 'spec.volumeClaimTemplates[name=data].spec.resources.requests.storage'],
      mutable: [
        'spec.replicas',
        'spec.ordinals.start',
        'spec.template.spec.containers[name=db].image',
        'spec.updateStrategy.rollingUpdate.partition',
        'spec.revisionHistoryLimit',
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted',
        'spec.minReadySeconds',
        'metadata.labels.app',
      ],
      why: 'a StatefulSet allows updates to replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds only',
    },
    {
      apiVersion: 'batch/v1',
      kinds: ['Job'],
      immutable: ['spec.selector.matchLabels.app', 'spec.template', 'spec.template.spec.containers[name=train].image', 'spec.template.metadata.labels[0]'],
      mutable: ['spec.parallelism', 'spec.suspend', 'spec.templateGeneration', 'metadata.annotations.example.com/spec.template'],
      why: "a Job's selector and pod template are immutable",
    },
    {
      apiVersion: 'v1',
      kinds: ['Pod'],
      immutable: ['spec.restartPolicy', 'spec.containers[name=app].command[0]', 'spec.containers[name=app].imagePullPolicy', 'spec.nodeSelector.zone'],
      mutable: [
        'spec.containers[name=app].image',
        'spec.initContainers[name=init].image',
        'spec.ephemeralContainers[name=debug].image',
        'spec.containers[0].image',
        'spec.activeDeadlineSeconds',
        'spec.tolerations[1]',
        'metadata.labels.app',
      ],
      why: "a Pod's spec is immutable apart from container images, activeDeadlineSeconds and added tolerations",
    },
    {
      apiVersion: 'v1',
      kinds: ['PersistentVolume'],
      immutable: ['spec.nfs.path', 'spec.volumeMode', 'spec.nodeAffinity.required.nodeSelectorTerms[0]'],
      mutable: [
        'spec.capacity.storage',
        'spec.accessModes[0]',
        'spec.claimRef.name',
        'spec.mountOptions[0]',
        'spec.persistentVolumeReclaimPolicy',
        'spec.storageClassName',
        'spec.volumeAttributesClassName',
      ],
      why: "a PersistentVolume's volume source, volumeMode and nodeAffinity are immutable after creation",
    },
    {
      apiVersion: 'v1',
      kinds: ['PersistentVolumeClaim'],
      immutable: ['spec.storageClassName', 'spec.resources.limits.storage', 'spec.accessModes[0]'],
      mutable: ['spec.resources.requests.storage', 'spec.volumeAttributesClassName'],
      why: "a bound PersistentVolumeClaim's spec is immutable apart from resources.requests and volumeAttributesClassName",
    },
    {
      apiVersion: 'v1',
      kinds: ['Service'],
      immutable: ['spec.clusterIP', 'spec.clusterIPs[0]', 'spec.clusterIPs'],
      mutable: ['spec.type', 'spec.ports[name=http].port', 'spec.clusterIPMode', 'metadata.annotations.example.com/spec.clusterIP'],
      why: "a Service's clusterIP is immutable",
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kinds: ['RoleBinding', 'ClusterRoleBinding'],
      immutable: ['roleRef', 'roleRef.name'],
      mutable: ['subjects[0].name', 'roleRefs', 'metadata.annotations.example.com/roleRef'],
      why: 'roleRef is immutable',
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kinds: ['StorageClass'],
      immutable: ['provisioner', 'parameters.type', 'reclaimPolicy', 'volumeBindingMode', 'parameters'],
      mutable: ['allowVolumeExpansion', 'mountOptions[0]', 'parametersRef', 'metadata.annotations.example.com/provisioner'],
      why: "a StorageClass's provisioner, parameters, reclaimPolicy and volumeBindingMode are immutable",
    },
    {
      apiVersion: 'resource.k8s.io/v1',
      kinds: ['ResourceClaimTemplate', 'ResourceClaim'],
      immutable: ['spec', 'spec.devices.requests[name=gpus].exactly.count'],
      mutable: ['metadata.labels.app', 'specVersion', 'metadata.annotations.example.com/spec'],
      why: 'the spec of a ResourceClaim(Template) is immutable',
    },
  ];

  for (const rule of RULES) {
    for (const kind of rule.kinds) {
      it(`${rule.apiVersion} ${kind}: flags exactly the immutable fields among the changes, with the rule's reason`, () => {
        const changes = [...rule.mutable, ...rule.immutable].map((p) => changed(p));
        expect(immutableChanges({ apiVersion: rule.apiVersion, kind }, changes)).toEqual({ fields: rule.immutable, why: rule.why });
      });

      it(`${rule.apiVersion} ${kind}: nothing when only mutable fields change`, () => {
        expect(immutableChanges({ apiVersion: rule.apiVersion, kind }, rule.mutable.map((p) => changed(p)))).toBeUndefined();
      });
    }
  }

  it('applies a rule only to its own API group and kinds', () => {
    expect(immutableChanges({ apiVersion: 'extensions/v1beta1', kind: 'Deployment' }, [changed('spec.selector.matchLabels.app')])).toBeUndefined();
    expect(immutableChanges({ apiVersion: 'v1', kind: 'Job' }, [changed('spec.template')])).toBeUndefined();
    expect(immutableChanges({ apiVersion: 'apps/v1', kind: 'ControllerRevision' }, [changed('spec.selector')])).toBeUndefined();
  });

  it('judges added and removed fields as well as changed ones', () => {
    const changes: FieldChange[] = [
      { op: 'added', path: 'spec.selector.matchLabels.tier', after: 'web' },
      { op: 'removed', path: 'spec.selector.matchLabels.app', before: 'web' },
    ];
    expect(immutableChanges({ apiVersion: 'apps/v1', kind: 'DaemonSet' }, changes)).toEqual({
      fields: ['spec.selector.matchLabels.tier', 'spec.selector.matchLabels.app'],
      why: 'spec.selector is immutable in apps/v1',
    });
  });
});

describe('asServedIn', () => {
  it('serves any other object unchanged but for the new apiVersion, without touching the stored one', () => {
    const hpa: Manifest = { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'apps' }, spec: { maxReplicas: 3 } };
    expect(asServedIn(hpa, 'autoscaling/v2')).toStrictEqual({ ...hpa, apiVersion: 'autoscaling/v2' });
    expect(hpa.apiVersion).toBe('autoscaling/v2beta2');
  });

  it('moves the flat device requests of a v1beta1 ResourceClaim under `exactly` in v1, keeping everything else', () => {
    const claim: Manifest = {
      apiVersion: 'resource.k8s.io/v1beta1',
      kind: 'ResourceClaim',
      metadata: { name: 'one', namespace: 'ml' },
      spec: {
        devices: {
          requests: [
            { name: 'gpu', deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 2 },
            { name: 'any', firstAvailable: [{ name: 'mig', deviceClassName: 'mig.nvidia.com' }] },
            { name: 'done', exactly: { deviceClassName: 'gpu.nvidia.com' } },
            null,
          ],
          constraints: [{ requests: ['gpu'], matchAttribute: 'gpu.nvidia.com/parentUUID' }],
        },
        controller: 'dra',
      },
    };
    expect(asServedIn(claim, 'resource.k8s.io/v1')).toStrictEqual({
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaim',
      metadata: { name: 'one', namespace: 'ml' },
      spec: {
        devices: {
          requests: [
            { name: 'gpu', exactly: { deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 2 } },
            { name: 'any', firstAvailable: [{ name: 'mig', deviceClassName: 'mig.nvidia.com' }] },
            { name: 'done', exactly: { deviceClassName: 'gpu.nvidia.com' } },
            null,
          ],
          constraints: [{ requests: ['gpu'], matchAttribute: 'gpu.nvidia.com/parentUUID' }],
        },
        controller: 'dra',
      },
    });
  });

  it("moves a v1alpha3 ResourceClaimTemplate's requests, inside its spec.spec, keeping spec.metadata", () => {
    const template: Manifest = {
      apiVersion: 'resource.k8s.io/v1alpha3',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'claim', namespace: 'ml' },
      spec: { metadata: { labels: { app: 'train' } }, spec: { devices: { requests: [{ name: 'gpus', deviceClassName: 'gpu.nvidia.com', count: 1 }] } } },
    };
    expect(asServedIn(template, 'resource.k8s.io/v1')).toStrictEqual({
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'claim', namespace: 'ml' },
      spec: { metadata: { labels: { app: 'train' } }, spec: { devices: { requests: [{ name: 'gpus', exactly: { deviceClassName: 'gpu.nvidia.com', count: 1 } }] } } },
    });
  });

  it('keeps the flat shape when the target is not v1, or the source already has the v1 shape', () => {
    const flat = claimTemplate('resource.k8s.io/v1beta1', 1);
    expect(asServedIn(flat, 'resource.k8s.io/v1beta2')).toStrictEqual({ ...flat, apiVersion: 'resource.k8s.io/v1beta2' });
    const v1beta2 = { ...claimTemplate('resource.k8s.io/v1', 1), apiVersion: 'resource.k8s.io/v1beta2' };
    expect(asServedIn(v1beta2, 'resource.k8s.io/v1')).toStrictEqual(claimTemplate('resource.k8s.io/v1', 1));
  });

  it('changes only the apiVersion of other DRA kinds and of claims without device requests', () => {
    const served = (o: Manifest) => expect(asServedIn(o, 'resource.k8s.io/v1')).toStrictEqual({ ...o, apiVersion: 'resource.k8s.io/v1' });
    served(deviceClass('gpu', 'resource.k8s.io/v1beta1'));
    served({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'no-spec' } });
    served({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'no-devices' }, spec: {} });
    served({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'no-requests' }, spec: { devices: { constraints: [] } } });
    served({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaimTemplate', metadata: { name: 'no-spec' } });
  });

  it('keeps a claim template without an inner spec as it is', () => {
    const template: Manifest = { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaimTemplate', metadata: { name: 'empty' }, spec: { metadata: {} } };
    expect(asServedIn(template, 'resource.k8s.io/v1')).toEqual({ ...template, apiVersion: 'resource.k8s.io/v1' });
  });
});

describe('planUpgrade: objects', () => {
  it('lists an object only the new render has as added, with its file', () => {
    const p = plan({ version: '1.33' }, { version: '1.34', files: { '10-apps.yaml': [configMap('settings', { a: '1' })] } });
    expect(p.added).toEqual([{ object: 'ConfigMap apps/settings', file: '10-apps.yaml' }]);
    expect(p.changes).toEqual([]);
    expect(p.removed).toEqual([]);
  });

  it('locates each object the new render drops for kubectl, with a namespace only when it has one', () => {
    const p = plan(
      { version: '1.33', files: { '10-apps.yaml': [configMap('old', { a: '1' }), configMap('kept', { a: '1' })], '00-rbac.yaml': [clusterRole('legacy')] } },
      { version: '1.34', files: { '10-apps.yaml': [configMap('kept', { a: '1' })] } },
    );
    expect(p.removed).toStrictEqual([
      { object: 'ConfigMap apps/old', file: '10-apps.yaml', resource: 'configmap', namespace: 'apps', name: 'old' },
      { object: 'ClusterRole legacy', file: '00-rbac.yaml', resource: 'clusterrole.rbac.authorization.k8s.io', name: 'legacy' },
    ]);
    expect(p.added).toEqual([]);
    expect(p.changes).toEqual([]);
  });

  it('sorts the field changes of an object by why they happen, each with the object and its file', () => {
    const widget = (v: 1 | 2): Manifest => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'apps', labels: { app: `a${v}` }, annotations: { 'a b': `${v}` } },
      labels: { tier: `t${v}` },
      image: `i:${v}`,
      spec: {
        extralabels: { x: `${v}` },
        containers: [{ name: 'a', image: `a:${v}`, imagePullPolicy: v === 1 ? 'Always' : 'IfNotPresent' }],
        baseimage: `b:${v}`,
        size: v,
        ...(v === 1 ? { old: true } : { extra: true }),
      },
    });
    const p = plan({ version: '1.33', files: { '30-w.yaml': [widget(1)] } }, { version: '1.34', files: { '30-w.yaml': [widget(2)] } });
    const entry = (reason: string, changes: FieldChange[]) => ({ reason, object: 'Widget apps/w', file: '30-w.yaml', changes });
    expect(p.changes).toStrictEqual([
      entry('field-shape', [
        { op: 'removed', path: 'spec.old', before: true },
        { op: 'added', path: 'spec.extra', after: true },
      ]),
      entry('image', [changed('image', 'i:1', 'i:2'), changed('spec.containers[name=a].image', 'a:1', 'a:2')]),
      entry('label-pin', [changed('metadata.labels.app', 'a1', 'a2'), changed('metadata.annotations["a b"]', '1', '2'), changed('labels.tier', 't1', 't2')]),
      entry('other', [
        changed('spec.extralabels.x', '1', '2'),
        changed('spec.containers[name=a].imagePullPolicy', 'Always', 'IfNotPresent'),
        changed('spec.baseimage', 'b:1', 'b:2'),
        changed('spec.size', 1, 2),
      ]),
    ]);
    expect(p.recreate).toEqual([]);
  });

  it('orders the changes of all objects by reason, render order within a reason', () => {
    const labelled = (version: string): Manifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels: { version } } });
    const web = (image: string): Manifest => ({ ...deployment({ app: 'web' }), spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'web', image }] } } } });
    const p = plan(
      { version: '1.33', files: { '10-apps.yaml': [configMap('a', { k: '1' }), web('web:1'), labelled('1'), configMap('b', { k: '1' })] } },
      { version: '1.34', files: { '10-apps.yaml': [configMap('a', { k: '2' }), web('web:2'), labelled('2'), configMap('b', { k: '2' })] } },
    );
    expect(p.changes.map((c) => `${c.reason} ${c.object}`)).toEqual([
      'image Deployment apps/web',
      'label-pin Namespace apps',
      'other ConfigMap apps/a',
      'other ConfigMap apps/b',
    ]);
  });

  it('shows an API version move alone when the content is the same in both versions', () => {
    const p = plan(
      { version: '1.33', files: { '20-dra.yaml': [deviceClass('gpu', 'resource.k8s.io/v1beta1')] } },
      { version: '1.34', files: { '20-dra.yaml': [deviceClass('gpu', 'resource.k8s.io/v1')] } },
    );
    expect(p.changes).toStrictEqual([
      { reason: 'api-version', object: 'DeviceClass gpu', file: '20-dra.yaml', changes: [changed('apiVersion', 'resource.k8s.io/v1beta1', 'resource.k8s.io/v1')] },
    ]);
  });

  it('shows a shape change the API server converts as field-shape with a note, after the version move, and re-creates nothing', () => {
    const p = plan(
      { version: '1.33', files: { '20-dra.yaml': [claimTemplate('resource.k8s.io/v1beta1', 1)] } },
      { version: '1.34', files: { '20-dra.yaml': [claimTemplate('resource.k8s.io/v1', 1)] } },
    );
    const object = 'ResourceClaimTemplate ml/claim';
    expect(p.changes).toStrictEqual([
      { reason: 'api-version', object, file: '20-dra.yaml', changes: [changed('apiVersion', 'resource.k8s.io/v1beta1', 'resource.k8s.io/v1')] },
      {
        reason: 'field-shape',
        object,
        file: '20-dra.yaml',
        changes: [
          { op: 'removed', path: 'spec.spec.devices.requests[name=gpus].deviceClassName', before: 'gpu.nvidia.com' },
          { op: 'removed', path: 'spec.spec.devices.requests[name=gpus].count', before: 1 },
          { op: 'added', path: 'spec.spec.devices.requests[name=gpus].exactly', after: { deviceClassName: 'gpu.nvidia.com', count: 1 } },
        ],
        note: 'same content in the resource.k8s.io/v1 shape: the API server converts the stored object, nothing to re-create',
      },
    ]);
    expect(p.recreate).toEqual([]);
  });

  it('compares a converted object with the new render: a real change of an immutable field is re-created', () => {
    const p = plan(
      { version: '1.33', files: { '20-dra.yaml': [claimTemplate('resource.k8s.io/v1beta1', 1)] } },
      { version: '1.34', files: { '20-dra.yaml': [claimTemplate('resource.k8s.io/v1', 2)] } },
    );
    const object = 'ResourceClaimTemplate ml/claim';
    const count = 'spec.spec.devices.requests[name=gpus].exactly.count';
    expect(p.changes).toStrictEqual([
      { reason: 'api-version', object, file: '20-dra.yaml', changes: [changed('apiVersion', 'resource.k8s.io/v1beta1', 'resource.k8s.io/v1')] },
      { reason: 'other', object, file: '20-dra.yaml', changes: [changed(count, 1, 2)] },
    ]);
    expect(p.recreate).toStrictEqual([
      {
        object,
        file: '20-dra.yaml',
        resource: 'resourceclaimtemplate.resource.k8s.io',
        namespace: 'ml',
        name: 'claim',
        fields: [count],
        why: 'the spec of a ResourceClaim(Template) is immutable',
      },
    ]);
  });

  it('re-creates a cluster-scoped object without a namespace', () => {
    const p = plan({ version: '1.33', files: { '00-rbac.yaml': [binding('view')] } }, { version: '1.34', files: { '00-rbac.yaml': [binding('edit')] } });
    expect(p.recreate).toStrictEqual([
      {
        object: 'ClusterRoleBinding readers',
        file: '00-rbac.yaml',
        resource: 'clusterrolebinding.rbac.authorization.k8s.io',
        name: 'readers',
        fields: ['roleRef.name'],
        why: 'roleRef is immutable',
      },
    ]);
  });

  it("treats a Pod's container image bump, as diff.ts writes its path, as an image change, not a re-creation", () => {
    const pod = (image: string): Manifest => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'gpu-check', namespace: 'ml' },
      spec: { restartPolicy: 'Never', initContainers: [{ name: 'wait', image }], containers: [{ name: 'check', image }] },
    });
    const p = plan({ version: '1.33', files: { '40-checks.yaml': [pod('cuda:12.8')] } }, { version: '1.34', files: { '40-checks.yaml': [pod('cuda:12.9')] } });
    expect(p.changes).toStrictEqual([
      {
        reason: 'image',
        object: 'Pod ml/gpu-check',
        file: '40-checks.yaml',
        changes: [changed('spec.initContainers[name=wait].image', 'cuda:12.8', 'cuda:12.9'), changed('spec.containers[name=check].image', 'cuda:12.8', 'cuda:12.9')],
      },
    ]);
    expect(p.recreate).toEqual([]);
    expect(p.steps.join('\n')).not.toContain('kubectl delete');
  });

  it('lists the objects of each render in API versions the other minor does not serve, and only those', () => {
    const odd = { ...configMap('odd', { a: '1' }), unknownField: true };
    const p = plan(
      { version: '1.33', files: { '10-apps.yaml': [odd], '20-dra.yaml': [deviceClass('gpu', 'resource.k8s.io/v1beta1')] } },
      { version: '1.34', files: { '10-apps.yaml': [odd], '20-dra.yaml': [deviceClass('gpu', 'resource.k8s.io/v1')] } },
    );
    expect(p.unservedAfter).toEqual(['DeviceClass gpu (resource.k8s.io/v1beta1)']);
    expect(p.unservedBefore).toEqual(['DeviceClass gpu (resource.k8s.io/v1)']);
  });

  it('names the site, its file, both minors and the pools of the new config', () => {
    const p = plan({ version: '1.33', pools: [{ name: 'old', count: 1 }] }, { version: '1.34', pools: [{ name: 'gpu-b', count: 3 }, { name: 'gpu-a', count: 0 }] });
    expect({ site: p.site, file: p.file, from: p.from, to: p.to, pools: p.pools }).toEqual({
      site: 'lab',
      file: 'sites/lab.yaml',
      from: '1.33',
      to: '1.34',
      pools: [
        { name: 'gpu-b', count: 3, nodeConfig: 'nodes/gpu-b.nodeconfig.yaml' },
        { name: 'gpu-a', count: 0, nodeConfig: 'nodes/gpu-a.nodeconfig.yaml' },
      ],
    });
  });
});

describe('planUpgrade: NodeConfigs', () => {
  it('lists each NodeConfig of either config that differs, sorted by path, new and removed pools noted', () => {
    const file = (name: string) => `nodes/${name}.nodeconfig.yaml`;
    const p = plan(
      {
        version: '1.33',
        pools: [{ name: 'zeta', count: 1 }, { name: 'gone', count: 1 }, { name: 'same', count: 1 }, { name: 'comments', count: 1 }],
        output: [
          { path: 'README.md', content: 'readme\n' },
          { path: file('zeta'), content: '# zeta\na: 1\n---\nb: 1\nc: 1\n' },
          { path: file('gone'), content: 'g: 1\n' },
          { path: file('same'), content: 's: 1\n' },
          { path: file('comments'), content: '# kubelet 1.33\nc: 1\n' },
        ],
      },
      {
        version: '1.34',
        pools: [{ name: 'zeta', count: 1 }, { name: 'same', count: 1 }, { name: 'comments', count: 1 }, { name: 'alpha', count: 2 }],
        output: [
          { path: 'README.md', content: 'readme\n' },
          { path: file('zeta'), content: '# zeta\na: 2\n---\nb: 1\nc: 3\n' },
          { path: file('same'), content: 's: 1\n' },
          { path: file('comments'), content: '# kubelet 1.34\nc: 1\n' },
          { path: file('alpha'), content: 'x: 1\n' },
        ],
      },
    );
    const entry = (name: string, changes: FieldChange[], note?: string) => ({ reason: 'nodeconfig', object: file(name), file: file(name), changes, ...(note ? { note } : {}) });
    expect(p.changes).toStrictEqual([
      entry('alpha', [], 'new pool'),
      entry('comments', [], 'comment lines only'),
      entry('gone', [], 'pool removed'),
      entry('zeta', [changed('[0].a', 1, 2), changed('[1].c', 1, 3)]),
    ]);
    expect(planChangesNothing(p)).toBe(false);
  });

  it('puts the NodeConfig changes after the object changes', () => {
    const p = plan(
      { version: '1.33', pools: [{ name: 'a', count: 1 }], output: [{ path: 'nodes/a.nodeconfig.yaml', content: 'a: 1\n' }], files: { '10-apps.yaml': [configMap('s', { k: '1' })] } },
      { version: '1.34', pools: [{ name: 'a', count: 1 }], output: [{ path: 'nodes/a.nodeconfig.yaml', content: 'a: 2\n' }], files: { '10-apps.yaml': [configMap('s', { k: '2' })] } },
    );
    expect(p.changes.map((c) => `${c.reason} ${c.object}`)).toEqual(['other ConfigMap apps/s', 'nodeconfig nodes/a.nodeconfig.yaml']);
  });
});

describe('planUpgrade: steps', () => {
  it('has no steps when the target minor is the current one or older', () => {
    const files = { '10-apps.yaml': [configMap('s', { k: '1' })] };
    expect(plan({ version: '1.34', files }, { version: '1.34', files }).steps).toEqual([]);
    expect(plan({ version: '1.34', files }, { version: '1.33', files }).steps).toEqual([]);
  });

  it('without unserved objects, pools, re-creations or prunes: review, control plane, apply', () => {
    const p = plan(
      { version: '1.33', files: { '10-apps.yaml': [configMap('s', { k: '1' })] } },
      { version: '1.34', files: { '10-apps.yaml': [configMap('s', { k: '2' })] }, output: [{ path: 'README.md', content: '' }, { path: '10-apps.yaml', content: '' }] },
    );
    expect(p.steps).toEqual([`1. ${SET_VERSION}`, `2. ${CONTROL_PLANE}`, `3. Apply the new output as in dist/lab/README.md: \`${APPLY}\`; or merge it and resume the sync.`]);
  });

  it('pauses the sync, upgrades each pool, deletes each re-created object and names the prunes, in EKS order', () => {
    const before: BuildSpec = {
      version: '1.33',
      pools: [{ name: 'gpu-b', count: 1 }, { name: 'gpu-a', count: 2 }],
      files: {
        '10-apps.yaml': [deployment({ app: 'web', tier: 'front' }), configMap('old', { k: '1' })],
        '00-rbac.yaml': [binding('view'), clusterRole('legacy')],
        '20-dra.yaml': [deviceClass('gpu', 'resource.k8s.io/v1beta1'), deviceClass('mig', 'resource.k8s.io/v1beta1')],
      },
    };
    const after: BuildSpec = {
      version: '1.34',
      pools: before.pools,
      files: {
        '00-rbac.yaml': [binding('edit')],
        '10-apps.yaml': [deployment({ app: 'web2', tier: 'back' })],
        '20-dra.yaml': [deviceClass('gpu', 'resource.k8s.io/v1'), deviceClass('mig', 'resource.k8s.io/v1')],
      },
      output: [
        { path: 'README.md', content: '' },
        { path: 'never-pruned/kustomization.yaml', content: '' },
      ],
    };
    const pool = (name: string, count: number) =>
      `Pool ${name} (${count} server(s)), one server at a time: \`kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\`; on the server \`nodeadm upgrade 1.34 -c file://nodeconfig.yaml\` (dist/lab/nodes/${name}.nodeconfig.yaml with the placeholders filled as at join); \`kubectl uncordon <node>\`.`;
    expect(plan(before, after).steps).toEqual([
      `1. ${SET_VERSION}`,
      '2. Pause automatic sync of dist/lab/ (Argo CD / Flux) until the new output is applied: after the control plane upgrade the current output cannot be applied any more, since 1.34 does not serve (by default) the API version of DeviceClass gpu (resource.k8s.io/v1beta1), DeviceClass mig (resource.k8s.io/v1beta1). The stored objects stay and are served in the new version.',
      `3. ${CONTROL_PLANE}`,
      `4. ${pool('gpu-b', 1)}`,
      `5. ${pool('gpu-a', 2)}`,
      '6. Delete ClusterRoleBinding readers (roleRef.name: roleRef is immutable): `kubectl delete clusterrolebinding.rbac.authorization.k8s.io readers`; the next step creates it again.',
      '7. Delete Deployment apps/web (spec.selector.matchLabels.app, spec.selector.matchLabels.tier: spec.selector is immutable in apps/v1): `kubectl delete deployment.apps web -n apps`; the next step creates it again.',
      `8. Apply the new output as in dist/lab/README.md: \`${APPLY}\` then \`kubectl apply --server-side --force-conflicts -k dist/lab/never-pruned/\`; the ApplySet prunes the 2 object(s) no longer rendered (ConfigMap apps/old, ClusterRole legacy); or merge it and resume the sync (not before the control plane: 2 object(s) use API versions 1.33 does not serve).`,
    ]);
  });
});

describe('formatUpgradePlan', () => {
  const long = 'y'.repeat(99); // 101 characters as JSON: cut to 97 and "..."
  const fits = 'x'.repeat(98); // exactly 100 characters as JSON: shown whole
  const full: UpgradePlan = {
    site: 'lab',
    file: 'sites/lab.yaml',
    from: '1.33',
    to: '1.34',
    // in no particular order: the text groups them by reason
    changes: [
      { reason: 'other', object: 'ConfigMap apps/settings', file: '10-apps.yaml', changes: [changed('data.long', fits, long), changed('data.obj', { a: 1 }, { a: 2 })] },
      { reason: 'api-version', object: 'DeviceClass gpu', file: '20-dra.yaml', changes: [changed('apiVersion', 'resource.k8s.io/v1beta1', 'resource.k8s.io/v1')] },
      { reason: 'nodeconfig', object: 'nodes/gpu-a.nodeconfig.yaml', file: 'nodes/gpu-a.nodeconfig.yaml', changes: [], note: 'new pool' },
      {
        reason: 'field-shape',
        object: 'ResourceClaimTemplate ml/claim',
        file: '20-dra.yaml',
        changes: [
          { op: 'removed', path: 'spec.count', before: 1 },
          { op: 'added', path: 'spec.exactly', after: { count: 1 } },
        ],
        note: 'converted',
      },
      { reason: 'image', object: 'Deployment apps/web', file: '10-apps.yaml', changes: [changed('spec.image', 'web:1', 'web:2')] },
      { reason: 'label-pin', object: 'Deployment apps/web', file: '10-apps.yaml', changes: [changed('metadata.labels.version', '1', '2')] },
      { reason: 'nodeconfig', object: 'nodes/gpu-b.nodeconfig.yaml', file: 'nodes/gpu-b.nodeconfig.yaml', changes: [changed('[0].spec.kubelet.flags[0]', '--a', '--b')] },
    ],
    added: [{ object: 'Service apps/new', file: '10-apps.yaml' }],
    removed: [
      { object: 'ConfigMap apps/old', file: '10-apps.yaml', resource: 'configmap', namespace: 'apps', name: 'old' },
      { object: 'ClusterRole legacy', file: '00-rbac.yaml', resource: 'clusterrole.rbac.authorization.k8s.io', name: 'legacy' },
    ],
    recreate: [
      {
        object: 'Deployment apps/web',
        file: '10-apps.yaml',
        resource: 'deployment.apps',
        namespace: 'apps',
        name: 'web',
        fields: ['spec.selector.matchLabels.app', 'spec.selector.matchLabels.tier'],
        why: 'spec.selector is immutable in apps/v1',
      },
    ],
    unservedAfter: [],
    unservedBefore: [],
    pools: [],
    steps: ['1. first', '2. second'],
  };

  it('prints the counts, each reason heading in order with its changes, added, removed, re-creations and steps', () => {
    expect(formatUpgradePlan(full)).toEqual([
      'lab: upgrade plan Kubernetes 1.33 → 1.34 (sites/lab.yaml)',
      '  4 object(s) change, 1 added, 2 removed, 1 to delete and re-create, 2 NodeConfig(s) change',
      '',
      'API version move (1):',
      '  ~ DeviceClass gpu (20-dra.yaml)',
      '      apiVersion: "resource.k8s.io/v1beta1" → "resource.k8s.io/v1"',
      '',
      'field shape change (1):',
      '  ~ ResourceClaimTemplate ml/claim (20-dra.yaml): converted',
      '      - spec.count: 1',
      '      + spec.exactly: {"count":1}',
      '',
      'image bump (1):',
      '  ~ Deployment apps/web (10-apps.yaml)',
      '      spec.image: "web:1" → "web:2"',
      '',
      'label/pin change (1):',
      '  ~ Deployment apps/web (10-apps.yaml)',
      '      metadata.labels.version: "1" → "2"',
      '',
      'other field change (1):',
      '  ~ ConfigMap apps/settings (10-apps.yaml)',
      `      data.long: "${fits}" → "${'y'.repeat(96)}...`,
      '      data.obj: {"a":1} → {"a":2}',
      '',
      'NodeConfig change (2):',
      '  ~ nodes/gpu-a.nodeconfig.yaml: new pool',
      '  ~ nodes/gpu-b.nodeconfig.yaml',
      '      [0].spec.kubelet.flags[0]: "--a" → "--b"',
      '',
      'added (1):',
      '  + Service apps/new (10-apps.yaml)',
      '',
      'removed (2):',
      '  - ConfigMap apps/old (10-apps.yaml)',
      '  - ClusterRole legacy (00-rbac.yaml)',
      '',
      'delete and re-create (immutable fields): 1',
      '  ! Deployment apps/web (10-apps.yaml): spec.selector.matchLabels.app, spec.selector.matchLabels.tier — spec.selector is immutable in apps/v1',
      '',
      'steps:',
      '  1. first',
      '  2. second',
    ]);
  });

  it('prints only the counts, "none" to re-create and the steps heading for a plan without changes', () => {
    const empty: UpgradePlan = { ...full, to: '1.33', changes: [], added: [], removed: [], recreate: [], steps: [] };
    expect(formatUpgradePlan(empty)).toEqual([
      'lab: upgrade plan Kubernetes 1.33 → 1.33 (sites/lab.yaml)',
      '  0 object(s) change, 0 added, 0 removed, 0 to delete and re-create, 0 NodeConfig(s) change',
      '',
      'delete and re-create (immutable fields): none',
      '',
      'steps:',
    ]);
  });
});
