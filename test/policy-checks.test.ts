// lib/validate/policy/checks.ts, one check at a time on small hand-built objects: every branch, the exact
// field path (as segments) and message of every finding. test/policy.test.ts runs the same checks over
// the fixture site through validateFiles.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import type { FieldPath } from '../lib/core/paths';
import { POLICY_CHECKS } from '../lib/validate/policy/checks';
import { OutputIndex } from '../lib/validate/policy/index';
import type { GpuNodeGroup, ValidationContext } from '../lib/validate/types';
import { CONTEXT } from './fixtures/validator/site';

interface Found {
  readonly check: string;
  readonly path: FieldPath;
  readonly message: string;
}

/**
 * What one check reports on `object`, with `object` and `others` as the whole output (as validateFiles
 * runs it: every check on every object, the check's findings in the order it reported them).
 */
function findings(check: string, object: Manifest, others: readonly Manifest[] = [], ctx: ValidationContext = CONTEXT): Found[] {
  const index = new OutputIndex([{ path: '10-x.yaml', chart: 'x', objects: [object, ...others] }]);
  const found: Found[] = [];
  for (const policy of POLICY_CHECKS) policy.run({ object, ctx, index, report: (path, message) => found.push({ check: policy.id, path, message }) });
  return found.filter((f) => f.check === check);
}

/** A finding of `check`, for the expected lists. */
const finding = (check: string) => (path: FieldPath, message: string): Found => ({ check, path, message });

const IMAGE = 'harbor.example.com/library/app:1.0';
const RESOURCES = { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } };

/** A container that passes resources-required and image-pinned. */
const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: IMAGE, resources: RESOURCES, ...extra });

interface WorkloadOptions {
  readonly name?: string;
  /** `null`: no namespace. */
  readonly namespace?: string | null;
  readonly labels?: Record<string, string>;
  readonly podLabels?: Record<string, string>;
  readonly selector?: unknown;
}

/** A Pod or workload of `kind` whose pod spec (at the kind's template path) is `spec`. */
function workload(kind: string, spec: Record<string, unknown>, options: WorkloadOptions = {}): Manifest {
  const { name = 'app', namespace = 'ml', labels, podLabels = { app: name }, selector } = options;
  const metadata = { name, ...(namespace === null ? {} : { namespace }), ...(labels ? { labels } : {}) };
  if (kind === 'Pod') return { apiVersion: 'v1', kind, metadata: { ...metadata, labels: { ...podLabels, ...labels } }, spec };
  const template = { metadata: { labels: podLabels }, spec };
  const sel = selector === undefined ? {} : { selector };
  switch (kind) {
    case 'CronJob':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { ...sel, template } };
    case 'ReplicationController':
      return { apiVersion: 'v1', kind, metadata, spec: { ...sel, template } };
    default:
      return { apiVersion: 'apps/v1', kind, metadata, spec: { ...sel, template } };
  }
}

const deployment = (spec: Record<string, unknown>, options: WorkloadOptions = {}) => workload('Deployment', spec, options);

/** Where each kind's pod spec is. */
const POD_SPEC: Record<string, FieldPath> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

describe('resources-required', () => {
  const found = finding('resources-required');

  it('flags each missing cpu request, memory request and memory limit at its field, init containers first', () => {
    const object = deployment({
      initContainers: [{ name: 'init', image: IMAGE, resources: { limits: { memory: '1Mi' } } }],
      containers: [container('ok'), { name: 'app', image: IMAGE, resources: { requests: { cpu: '1' }, limits: {} } }],
    });
    const at = ['spec', 'template', 'spec'];
    expect(findings('resources-required', object)).toEqual([
      found([...at, 'initContainers', 0, 'resources', 'requests', 'cpu'], 'init container "init" has no cpu request'),
      found([...at, 'initContainers', 0, 'resources', 'requests', 'memory'], 'init container "init" has no memory request'),
      found([...at, 'containers', 1, 'resources', 'requests', 'memory'], 'container "app" has no memory request'),
      found([...at, 'containers', 1, 'resources', 'limits', 'memory'], 'container "app" has no memory limit'),
    ]);
  });

  it('counts null and "" as unset, and any other value (0 too) as set', () => {
    const pod = (value: unknown) => workload('Pod', { containers: [{ image: IMAGE, resources: { requests: { cpu: value, memory: value }, limits: { memory: value } } }] });
    for (const unset of [undefined, null, '']) {
      expect(findings('resources-required', pod(unset)), String(unset)).toEqual([
        found(['spec', 'containers', 0, 'resources', 'requests', 'cpu'], 'container "0" has no cpu request'),
        found(['spec', 'containers', 0, 'resources', 'requests', 'memory'], 'container "0" has no memory request'),
        found(['spec', 'containers', 0, 'resources', 'limits', 'memory'], 'container "0" has no memory limit'),
      ]);
    }
    for (const set of [0, '0', '1Gi']) expect(findings('resources-required', pod(set)), String(set)).toEqual([]);
  });

  it('looks at nothing but pod specs', () => {
    expect(findings('resources-required', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ml' }, data: {} })).toEqual([]);
  });
});

describe('image-pinned', () => {
  const found = finding('image-pinned');
  const withImage = (image: unknown) => workload('CronJob', { containers: [container('app', { image })] });
  const at: FieldPath = [...POD_SPEC.CronJob, 'containers', 0, 'image'];

  it('flags a container without an image, or with an empty one', () => {
    const object = workload('Job', { initContainers: [{ name: 'init', resources: RESOURCES }], containers: [container('app', { image: '' })] });
    expect(findings('image-pinned', object)).toEqual([
      found(['spec', 'template', 'spec', 'initContainers', 0, 'image'], 'init container "init" has no image'),
      found(['spec', 'template', 'spec', 'containers', 0, 'image'], 'container "app" has no image'),
    ]);
  });

  it.each([
    ['busybox', 'image "busybox" has no tag or digest'],
    ['harbor.example.com:5000/library/busybox', 'image "harbor.example.com:5000/library/busybox" has no tag or digest'],
    ['busybox:latest', 'image "busybox:latest" uses the moving tag "latest"'],
  ])('flags %s', (image, message) => {
    expect(findings('image-pinned', withImage(image))).toEqual([found(at, `container "app" ${message}`)]);
  });

  it.each(['busybox:1.37', 'busybox@sha256:0123456789abcdef', 'busybox:latest@sha256:0123456789abcdef', 'harbor.example.com:5000/busybox:v1'])(
    'accepts %s (a tag other than latest, or a digest)',
    (image) => {
      expect(findings('image-pinned', withImage(image))).toEqual([]);
    },
  );
});

describe('privileged-allowlist', () => {
  const found = finding('privileged-allowlist');
  const HINT = '(grant it with a reason in lib/validate/policy/allowlist.ts)';
  const everything = {
    hostNetwork: true,
    hostPID: true,
    hostIPC: true,
    volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'root', hostPath: { path: '/var/lib' } }],
    initContainers: [container('init', { securityContext: { privileged: true } })],
    containers: [container('app', { securityContext: { privileged: false } }), container('agent', { securityContext: { privileged: true } })],
  };

  it('flags every host privilege of an object without a component label as "this object"', () => {
    const at = POD_SPEC.DaemonSet;
    expect(findings('privileged-allowlist', workload('DaemonSet', everything))).toEqual([
      found([...at, 'hostNetwork'], `hostNetwork: true: this object is not allowed hostNetwork ${HINT}`),
      found([...at, 'hostPID'], `hostPID: true: this object is not allowed hostPID ${HINT}`),
      found([...at, 'hostIPC'], `hostIPC: true: this object is not allowed hostIPC ${HINT}`),
      found([...at, 'volumes', 1, 'hostPath'], `hostPath volume "root" (/var/lib): this object is not allowed hostPath ${HINT}`),
      found([...at, 'initContainers', 0, 'securityContext', 'privileged'], `privileged init container "init": this object is not allowed privileged ${HINT}`),
      found([...at, 'containers', 1, 'securityContext', 'privileged'], `privileged container "agent": this object is not allowed privileged ${HINT}`),
    ]);
  });

  it('asks for nothing with false host flags, no volumes and unprivileged containers', () => {
    const object = workload('Pod', { hostNetwork: false, hostPID: false, hostIPC: false, containers: [container('app', { securityContext: { privileged: false } })] });
    expect(findings('privileged-allowlist', object)).toEqual([]);
  });

  it('grants by the pod template component label; the object label wins over it and names the component', () => {
    const spec = { volumes: [{ name: 'sock', hostPath: { path: '/var/lib/kubelet/device-plugins' } }], containers: [container('plugin')] };
    const plugin = { 'app.kubernetes.io/component': 'nvidia-device-plugin' };
    expect(findings('privileged-allowlist', workload('DaemonSet', spec, { podLabels: plugin }))).toEqual([]);
    expect(findings('privileged-allowlist', workload('DaemonSet', spec, { labels: plugin, podLabels: {} }))).toEqual([]);
    const other = workload('DaemonSet', spec, { labels: { 'app.kubernetes.io/component': 'other' }, podLabels: plugin });
    expect(findings('privileged-allowlist', other)).toEqual([
      found(['spec', 'template', 'spec', 'volumes', 0, 'hostPath'], `hostPath volume "sock" (/var/lib/kubelet/device-plugins): component "other" is not allowed hostPath ${HINT}`),
    ]);
  });

  it('flags only the privileges the grant leaves out, on a bare Pod too', () => {
    const pod = workload('Pod', { hostNetwork: true, volumes: [{ name: 'sock', hostPath: { path: '/run' } }], containers: [container('plugin')] }, {
      podLabels: { 'app.kubernetes.io/component': 'nvidia-device-plugin' },
    });
    expect(findings('privileged-allowlist', pod)).toEqual([
      found(['spec', 'hostNetwork'], `hostNetwork: true: component "nvidia-device-plugin" is not allowed hostNetwork ${HINT}`),
    ]);
  });
});

describe('privileged-escalation', () => {
  const found = finding('privileged-escalation');

  it('flags privileged: true with allowPrivilegeEscalation: false in any container, and nothing else', () => {
    const sc = (securityContext: Record<string, unknown>, name: string) => container(name, { securityContext });
    const object = workload('Pod', {
      initContainers: [sc({ privileged: true, allowPrivilegeEscalation: false }, 'init')],
      containers: [
        sc({ privileged: true, allowPrivilegeEscalation: true }, 'a'),
        sc({ privileged: true }, 'b'),
        sc({ privileged: false, allowPrivilegeEscalation: false }, 'c'),
        sc({ allowPrivilegeEscalation: false }, 'd'),
        container('e'),
        sc({ privileged: true, allowPrivilegeEscalation: false }, 'f'),
      ],
    });
    const message = (label: string) => `${label} is privileged but sets allowPrivilegeEscalation: false, which the API server rejects`;
    expect(findings('privileged-escalation', object)).toEqual([
      found(['spec', 'initContainers', 0, 'securityContext', 'allowPrivilegeEscalation'], message('init container "init"')),
      found(['spec', 'containers', 5, 'securityContext', 'allowPrivilegeEscalation'], message('container "f"')),
    ]);
  });
});

describe('privileged-escalation: CAP_SYS_ADMIN', () => {
  const found = finding('privileged-escalation');

  it('flags the capability CAP_SYS_ADMIN with allowPrivilegeEscalation: false, as the API server compares it (exact text)', () => {
    const sc = (securityContext: Record<string, unknown>, name: string) => container(name, { securityContext });
    const object = workload('Deployment', {
      containers: [
        sc({ allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN', 'CAP_SYS_ADMIN'] } }, 'a'),
        sc({ allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } }, 'b'),
        sc({ allowPrivilegeEscalation: true, capabilities: { add: ['CAP_SYS_ADMIN'] } }, 'c'),
        sc({ capabilities: { add: ['CAP_SYS_ADMIN'] } }, 'd'),
        sc({ allowPrivilegeEscalation: false, capabilities: { drop: ['CAP_SYS_ADMIN'] } }, 'e'),
        sc({ allowPrivilegeEscalation: false, privileged: true, capabilities: { add: ['CAP_SYS_ADMIN'] } }, 'f'),
      ],
    });
    const at = (i: number): FieldPath => ['spec', 'template', 'spec', 'containers', i, 'securityContext', 'allowPrivilegeEscalation'];
    expect(findings('privileged-escalation', object)).toEqual([
      found(at(0), 'container "a" adds the capability CAP_SYS_ADMIN but sets allowPrivilegeEscalation: false, which the API server rejects'),
      found(at(5), 'container "f" is privileged but sets allowPrivilegeEscalation: false, which the API server rejects'),
      found(at(5), 'container "f" adds the capability CAP_SYS_ADMIN but sets allowPrivilegeEscalation: false, which the API server rejects'),
    ]);
  });
});

describe('label-syntax', () => {
  const found = finding('label-syntax');
  const KEY = 'label key name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  const VALUE = 'label value must be at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  const long = 'a'.repeat(64);

  it("flags the object's labels and its pod template's labels, each at its own path", () => {
    const object = workload('CronJob', { containers: [container('app')] }, { labels: { 'bad key': 'x', ok: 'fine' }, podLabels: { app: 'app', version: long } });
    expect(findings('label-syntax', object)).toEqual([
      found(['metadata', 'labels', 'bad key'], `${KEY} (got "bad key": "x")`),
      found(['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels', 'version'], `${VALUE} (got "version": "${long}")`),
    ]);
  });

  it("flags a CronJob's job template labels at their own path; a job template without labels is fine", () => {
    const object = workload('CronJob', { containers: [container('app')] });
    (object.spec as { jobTemplate: Record<string, unknown> }).jobTemplate.metadata = { labels: { team: long, 'ok-key': 'ok' } };
    expect(findings('label-syntax', object)).toEqual([found(['spec', 'jobTemplate', 'metadata', 'labels', 'team'], `${VALUE} (got "team": "${long}")`)]);
    (object.spec as { jobTemplate: Record<string, unknown> }).jobTemplate.metadata = { name: 'x' };
    expect(findings('label-syntax', object)).toEqual([]);
    // labels that are no map are the schema's finding, not one per character or element
    (object.spec as { jobTemplate: Record<string, unknown> }).jobTemplate.metadata = { labels: ['bad value!'] };
    expect(findings('label-syntax', object)).toEqual([]);
  });

  it('reads spec.jobTemplate only on a CronJob (a custom resource may have a field of that name)', () => {
    const object: Manifest = { apiVersion: 'example.com/v1', kind: 'Workflow', metadata: { name: 'w', namespace: 'ml' }, spec: { jobTemplate: { metadata: { labels: { team: long } } } } } as Manifest;
    expect(findings('label-syntax', object)).toEqual([]);
  });

  it('reports a bare Pod label once, at metadata.labels', () => {
    const pod = workload('Pod', { containers: [container('app')] }, { podLabels: { version: long } });
    expect(findings('label-syntax', pod)).toEqual([found(['metadata', 'labels', 'version'], `${VALUE} (got "version": "${long}")`)]);
  });

  it('flags a value that is not a string; a key problem comes first; the empty value is valid', () => {
    const object = deployment({ containers: [] }, { labels: { replicas: 3 as unknown as string, '-x': long, empty: '' }, podLabels: { on: true as unknown as string } });
    expect(findings('label-syntax', object)).toEqual([
      found(['metadata', 'labels', 'replicas'], 'label value must be a string (got "replicas": 3)'),
      found(['metadata', 'labels', '-x'], `${KEY} (got "-x": "${long}")`),
      found(['spec', 'template', 'metadata', 'labels', 'on'], 'label value must be a string (got "on": true)'),
    ]);
  });

  it('accepts objects without labels', () => {
    expect(findings('label-syntax', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ml' } })).toEqual([]);
  });
});

describe('selector-match', () => {
  const found = finding('selector-match');
  const service = (name: string, selector: unknown, namespace: string | null = 'ml', labels?: Record<string, string>, apiVersion = 'v1'): Manifest => ({
    apiVersion,
    kind: 'Service',
    metadata: { name, ...(namespace === null ? {} : { namespace }), ...(labels ? { labels } : {}) },
    spec: { ...(selector === undefined ? {} : { selector }), ports: [{ port: 80 }] },
  });
  const monitor = (kind: string, spec: Record<string, unknown>, apiVersion = 'monitoring.coreos.com/v1'): Manifest => ({ apiVersion, kind, metadata: { name: 'mon', namespace: 'ml' }, spec });

  it.each(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'])('flags a %s whose selector does not match its pod template', (kind) => {
    const object = workload(kind, { containers: [container('app')] }, { podLabels: { app: 'web', tier: 'a' }, selector: { matchLabels: { app: 'api' } } });
    expect(findings('selector-match', object)).toEqual([found(['spec', 'selector'], 'selector app=api does not match the pod template labels app=web,tier=a')]);
    const matching = workload(kind, { containers: [container('app')] }, { podLabels: { app: 'web', tier: 'a' }, selector: { matchLabels: { app: 'web' } } });
    expect(findings('selector-match', matching)).toEqual([]);
  });

  it('reads no selector of a ReplicationController (a plain map), a CronJob or a bare Pod, nor of objects without one', () => {
    const rc = workload('ReplicationController', { containers: [] }, { podLabels: { app: 'web' }, selector: { app: 'api' } });
    const cronJob = workload('CronJob', { containers: [] }, { podLabels: { app: 'web' } });
    const pod = workload('Pod', { containers: [] }, { podLabels: { app: 'web' } });
    const configMap: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'empty' }, data: {} };
    for (const object of [rc, cronJob, pod, configMap]) expect(findings('selector-match', object), object.kind).toEqual([]);
  });

  it('a Deployment with a selector but no pod template has nothing to compare (and does not crash the check)', () => {
    const object: Manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ml' }, spec: { selector: { matchLabels: { app: 'api' } } } };
    expect(findings('selector-match', object)).toEqual([]);
  });

  it('Service: flags a selector that matches no pod in its own namespace', () => {
    const elsewhere = deployment({ containers: [] }, { namespace: 'web', podLabels: { app: 'web' } });
    expect(findings('selector-match', service('web', { app: 'web' }), [elsewhere])).toEqual([
      found(['spec', 'selector'], 'selects no pod of any workload in namespace "ml" (selector app=web)'),
    ]);
    const here = deployment({ containers: [] }, { podLabels: { app: 'web', extra: 'x' } });
    expect(findings('selector-match', service('web', { app: 'web' }), [here])).toEqual([]);
  });

  it('Service: the labels of a PodTemplate are no pod (nothing runs it)', () => {
    const template: Manifest = { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't', namespace: 'ml' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } } as Manifest;
    expect(findings('selector-match', service('web', { app: 'web' }), [template])).toEqual([
      found(['spec', 'selector'], 'selects no pod of any workload in namespace "ml" (selector app=web)'),
    ]);
  });

  it('Service: a namespace-less one looks in namespace ""', () => {
    expect(findings('selector-match', service('web', { app: 'web', tier: 'a' }, null))).toEqual([
      found(['spec', 'selector'], 'selects no pod of any workload in namespace "" (selector app=web,tier=a)'),
    ]);
    const bare = deployment({ containers: [] }, { namespace: null, podLabels: { app: 'web', tier: 'a' } });
    expect(findings('selector-match', service('web', { app: 'web', tier: 'a' }, null), [bare])).toEqual([]);
  });

  it('Service: none or an empty selector (endpoints managed by hand) selects nothing to check; a Service of another API group is not one', () => {
    expect(findings('selector-match', service('manual', {}, 'nothing-here'))).toEqual([]);
    expect(findings('selector-match', service('manual', undefined, 'nothing-here'))).toEqual([]);
    expect(findings('selector-match', service('fn', { app: 'fn' }, 'nothing-here', undefined, 'serving.knative.dev/v1'))).toEqual([]);
  });

  it('PodDisruptionBudget: flags a selector that matches no pod in its own namespace; one of another API group is ignored', () => {
    const pdb = (selector: unknown, apiVersion = 'policy/v1'): Manifest => ({ apiVersion, kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: 'ml' }, spec: { minAvailable: 1, selector } });
    const elsewhere = deployment({ containers: [] }, { namespace: 'web', podLabels: { app: 'web' } });
    const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] };
    expect(findings('selector-match', pdb(selector), [elsewhere])).toEqual([
      found(['spec', 'selector'], 'selects no pod of any workload in namespace "ml" (selector app=web,!tier)'),
    ]);
    expect(findings('selector-match', pdb(selector), [deployment({ containers: [] }, { podLabels: { app: 'web' } })])).toEqual([]);
    expect(findings('selector-match', pdb(selector, 'example.com/v1'), [elsewhere])).toEqual([]);
  });

  it("ServiceMonitor: by default the Services of its own namespace; PodMonitor: the pods'", () => {
    const svc = service('web', { app: 'web' }, 'ml', { app: 'web-svc' });
    const pods = deployment({ containers: [] }, { podLabels: { app: 'web-pod' } });
    const selector = (app: string) => ({ selector: { matchLabels: { app } } });
    expect(findings('selector-match', monitor('ServiceMonitor', selector('web-svc')), [svc, pods])).toEqual([]);
    expect(findings('selector-match', monitor('ServiceMonitor', selector('web-pod')), [svc, pods])).toEqual([
      found(['spec', 'selector'], 'selects no Service in namespace "ml" (selector app=web-pod)'),
    ]);
    expect(findings('selector-match', monitor('PodMonitor', selector('web-pod')), [svc, pods])).toEqual([]);
    expect(findings('selector-match', monitor('PodMonitor', selector('web-svc')), [svc, pods])).toEqual([
      found(['spec', 'selector'], 'selects no pod in namespace "ml" (selector app=web-svc)'),
    ]);
    // the same Services in another namespace are not the default's
    const away = service('web', { app: 'web' }, 'web', { app: 'web-svc' });
    expect(findings('selector-match', monitor('ServiceMonitor', selector('web-svc')), [away])).toEqual([
      found(['spec', 'selector'], 'selects no Service in namespace "ml" (selector app=web-svc)'),
    ]);
  });

  it('ServiceMonitor: namespaceSelector matchNames lists where to look (empty: its own namespace), any: true looks everywhere', () => {
    const away = service('web', { app: 'web' }, 'web', { app: 'web' });
    const spec = (namespaceSelector: unknown) => ({ selector: { matchLabels: { app: 'web' } }, namespaceSelector });
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ matchNames: ['web'] })), [away])).toEqual([]);
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ matchNames: ['a', 'b'] })), [away])).toEqual([
      found(['spec', 'selector'], 'selects no Service in namespace "a", "b" (selector app=web)'),
    ]);
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ matchNames: [] })), [away])).toEqual([
      found(['spec', 'selector'], 'selects no Service in namespace "ml" (selector app=web)'),
    ]);
    const home = service('web', { app: 'web' }, 'ml', { app: 'web' });
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ matchNames: [] })), [home])).toEqual([]);
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ any: true })), [away])).toEqual([]);
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ any: false })), [away])).toEqual([
      found(['spec', 'selector'], 'selects no Service in namespace "ml" (selector app=web)'),
    ]);
    expect(findings('selector-match', monitor('ServiceMonitor', spec({ any: true })))).toEqual([
      found(['spec', 'selector'], 'selects no Service in namespace (any) (selector app=web)'),
    ]);
  });

  it('monitors: only ServiceMonitor and PodMonitor of monitoring.coreos.com', () => {
    const nothing = { selector: { matchLabels: { app: 'nothing' } } };
    expect(findings('selector-match', monitor('ServiceMonitor', nothing, 'example.com/v1'))).toEqual([]);
    expect(findings('selector-match', monitor('PodMonitor', nothing, 'example.com/v1'))).toEqual([]);
    expect(findings('selector-match', monitor('Probe', nothing))).toEqual([]);
    expect(findings('selector-match', monitor('PrometheusRule', { groups: [] }))).toEqual([]);
  });
});

describe('reference-exists', () => {
  const found = finding('reference-exists');
  const TAIL = ': not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided';
  const obj = (apiVersion: string, kind: string, name: string, namespace?: string, rest: Record<string, unknown> = {}): Manifest => ({
    apiVersion,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...rest,
  });

  /** A pod spec that references one object of every kind the check follows, each by a different name. */
  const everyReference = () => ({
    serviceAccountName: 'sa',
    priorityClassName: 'pc',
    runtimeClassName: 'rc',
    imagePullSecrets: [{ name: 'pull' }, {}],
    volumes: [
      { name: 'cm', configMap: { name: 'vol-cm' } },
      { name: 'cm-opt', configMap: { name: 'vol-cm-opt', optional: true } },
      { name: 'sec', secret: { secretName: 'vol-sec' } },
      { name: 'sec-opt', secret: { secretName: 'vol-sec-opt', optional: true } },
      { name: 'sec-req', secret: { secretName: 'vol-sec-req', optional: false } },
      { name: 'data', persistentVolumeClaim: { claimName: 'vol-pvc' } },
      {
        name: 'all',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token' } },
            { configMap: { name: 'proj-cm' } },
            { secret: { name: 'proj-sec' } },
            { secret: { name: 'proj-sec-opt', optional: true } },
            { configMap: { name: 'proj-cm-opt', optional: true } },
          ],
        },
      },
      { name: 'scratch', emptyDir: {} },
    ],
    initContainers: [
      container('init', {
        env: [
          { name: 'A', value: 'plain' },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } },
          { name: 'C', valueFrom: { secretKeyRef: { name: 'env-sec', key: 'k' } } },
          { name: 'D', valueFrom: { secretKeyRef: { name: 'env-sec-opt', key: 'k', optional: true } } },
          { name: 'E', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      }),
    ],
    containers: [
      container('app', {
        envFrom: [{ configMapRef: { name: 'from-cm' } }, { secretRef: { name: 'from-sec' } }, { prefix: 'X_', secretRef: { name: 'from-sec-opt', optional: true } }],
      }),
    ],
    resourceClaims: [
      { name: 'a', resourceClaimName: 'claim' },
      { name: 'b', resourceClaimTemplateName: 'claim-template' },
      { name: 'c', source: { resourceClaimName: 'old-claim' } },
      { name: 'd', source: { resourceClaimTemplateName: 'old-claim-template' } },
      { name: 'e' },
    ],
  });

  it('flags every missing reference of a pod spec at its field; optional ones are skipped', () => {
    const at = ['spec', 'template', 'spec'];
    expect(findings('reference-exists', deployment(everyReference()))).toEqual([
      found([...at, 'serviceAccountName'], `ServiceAccount "sa" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'priorityClassName'], `PriorityClass "pc" does not exist${TAIL}`),
      found([...at, 'runtimeClassName'], `RuntimeClass "rc" does not exist${TAIL}`),
      found([...at, 'imagePullSecrets', 0, 'name'], `Secret "pull" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'volumes', 0, 'configMap', 'name'], `ConfigMap "vol-cm" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'volumes', 2, 'secret', 'secretName'], `Secret "vol-sec" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'volumes', 4, 'secret', 'secretName'], `Secret "vol-sec-req" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'volumes', 5, 'persistentVolumeClaim', 'claimName'], `PersistentVolumeClaim "vol-pvc" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'volumes', 6, 'projected', 'sources', 1, 'configMap', 'name'], `ConfigMap "proj-cm" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'volumes', 6, 'projected', 'sources', 2, 'secret', 'name'], `Secret "proj-sec" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'initContainers', 0, 'env', 1, 'valueFrom', 'configMapKeyRef', 'name'], `ConfigMap "env-cm" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'initContainers', 0, 'env', 2, 'valueFrom', 'secretKeyRef', 'name'], `Secret "env-sec" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'containers', 0, 'envFrom', 0, 'configMapRef', 'name'], `ConfigMap "from-cm" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'containers', 0, 'envFrom', 1, 'secretRef', 'name'], `Secret "from-sec" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'resourceClaims', 0, 'resourceClaimName'], `ResourceClaim "claim" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'resourceClaims', 1, 'resourceClaimTemplateName'], `ResourceClaimTemplate "claim-template" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'resourceClaims', 2, 'source', 'resourceClaimName'], `ResourceClaim "old-claim" does not exist in namespace "ml"${TAIL}`),
      found([...at, 'resourceClaims', 3, 'source', 'resourceClaimTemplateName'], `ResourceClaimTemplate "old-claim-template" does not exist in namespace "ml"${TAIL}`),
    ]);
  });

  it('finds each reference by kind in the namespace of the referring object (cluster-scoped kinds anywhere)', () => {
    const v1 = (kind: string, name: string, namespace?: string) => obj('v1', kind, name, namespace);
    const present = [
      v1('ServiceAccount', 'sa', 'ml'),
      obj('scheduling.k8s.io/v1', 'PriorityClass', 'pc'),
      obj('node.k8s.io/v1', 'RuntimeClass', 'rc'),
      ...['pull', 'vol-sec', 'vol-sec-req', 'proj-sec', 'env-sec', 'from-sec'].map((name) => v1('Secret', name, 'ml')),
      ...['vol-cm', 'proj-cm', 'env-cm', 'from-cm'].map((name) => v1('ConfigMap', name, 'ml')),
      v1('PersistentVolumeClaim', 'vol-pvc', 'ml'),
      ...['claim', 'old-claim'].map((name) => obj('resource.k8s.io/v1', 'ResourceClaim', name, 'ml')),
      ...['claim-template', 'old-claim-template'].map((name) => obj('resource.k8s.io/v1', 'ResourceClaimTemplate', name, 'ml')),
    ];
    expect(findings('reference-exists', deployment(everyReference()), present)).toEqual([]);
    // the same names in another namespace (or under another kind) do not count
    const elsewhere = present.map((o) => (o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace: 'web' } } : { ...o, kind: 'ConfigMap' }));
    expect(findings('reference-exists', deployment(everyReference()), elsewhere)).toEqual(findings('reference-exists', deployment(everyReference())));
  });

  it('serviceAccount (the deprecated alias) when serviceAccountName is unset; serviceAccountName wins', () => {
    const spec = { containers: [container('app')] };
    expect(findings('reference-exists', workload('Pod', { ...spec, serviceAccount: 'old' }))).toEqual([
      found(['spec', 'serviceAccount'], `ServiceAccount "old" does not exist in namespace "ml"${TAIL}`),
    ]);
    expect(findings('reference-exists', workload('Pod', { ...spec, serviceAccount: 'old', serviceAccountName: 'new' }))).toEqual([
      found(['spec', 'serviceAccountName'], `ServiceAccount "new" does not exist in namespace "ml"${TAIL}`),
    ]);
    expect(findings('reference-exists', workload('Pod', { ...spec, serviceAccount: 'old', serviceAccountName: '' }))).toEqual([
      found(['spec', 'serviceAccount'], `ServiceAccount "old" does not exist in namespace "ml"${TAIL}`),
    ]);
  });

  it('a CronJob template and a namespace-less object: namespace "" in the message', () => {
    const cronJob = workload('CronJob', { containers: [container('app', { envFrom: [{ configMapRef: { name: 'cfg' } }] })] }, { namespace: null });
    expect(findings('reference-exists', cronJob)).toEqual([
      found([...POD_SPEC.CronJob, 'containers', 0, 'envFrom', 0, 'configMapRef', 'name'], `ConfigMap "cfg" does not exist in namespace ""${TAIL}`),
    ]);
  });

  it('DeviceClass names of ResourceClaimTemplate and ResourceClaim requests: flat, under exactly, and each firstAvailable alternative', () => {
    const requests = [
      { name: 'a', deviceClassName: 'flat.example.com' },
      { name: 'b', exactly: { deviceClassName: 'exactly.example.com' } },
      {
        name: 'c',
        firstAvailable: [
          { name: 'big', deviceClassName: 'gpu.nvidia.com' },
          { name: 'small', deviceClassName: 'mig.example.com' },
        ],
      },
      { name: 'd', deviceClassName: '' },
      { name: 'e', exactly: { deviceClassName: 42 } },
    ];
    const deviceClass = obj('resource.k8s.io/v1', 'DeviceClass', 'gpu.nvidia.com');
    const template = obj('resource.k8s.io/v1beta1', 'ResourceClaimTemplate', 'tmpl', 'ml', { spec: { spec: { devices: { requests } } } });
    expect(findings('reference-exists', template, [deviceClass])).toEqual([
      found(['spec', 'spec', 'devices', 'requests', 0, 'deviceClassName'], `DeviceClass "flat.example.com" does not exist${TAIL}`),
      found(['spec', 'spec', 'devices', 'requests', 1, 'exactly', 'deviceClassName'], `DeviceClass "exactly.example.com" does not exist${TAIL}`),
      found(['spec', 'spec', 'devices', 'requests', 2, 'firstAvailable', 1, 'deviceClassName'], `DeviceClass "mig.example.com" does not exist${TAIL}`),
    ]);
    const claim = obj('resource.k8s.io/v1', 'ResourceClaim', 'claim', 'ml', { spec: { devices: { requests } } });
    expect(findings('reference-exists', claim, [deviceClass])).toEqual([
      found(['spec', 'devices', 'requests', 0, 'deviceClassName'], `DeviceClass "flat.example.com" does not exist${TAIL}`),
      found(['spec', 'devices', 'requests', 1, 'exactly', 'deviceClassName'], `DeviceClass "exactly.example.com" does not exist${TAIL}`),
      found(['spec', 'devices', 'requests', 2, 'firstAvailable', 1, 'deviceClassName'], `DeviceClass "mig.example.com" does not exist${TAIL}`),
    ]);
  });

  it('DeviceClass names: none from a claim without requests, another resource.k8s.io kind, or another API group', () => {
    const requests = { devices: { requests: [{ name: 'a', deviceClassName: 'missing.example.com' }] } };
    expect(findings('reference-exists', obj('resource.k8s.io/v1', 'ResourceClaim', 'c', 'ml', { spec: {} }))).toEqual([]);
    expect(findings('reference-exists', obj('resource.k8s.io/v1', 'ResourceClaim', 'c', 'ml', { spec: { devices: {} } }))).toEqual([]);
    expect(findings('reference-exists', obj('resource.k8s.io/v1', 'ResourceClaimTemplate', 't', 'ml', { spec: { spec: {} } }))).toEqual([]);
    // the same fields on a kind that is no claim are not read, wherever they are
    expect(findings('reference-exists', obj('resource.k8s.io/v1', 'DeviceTaintRule', 'x', undefined, { spec: requests, ...requests }))).toEqual([]);
    expect(findings('reference-exists', obj('example.com/v1', 'ResourceClaim', 'c', 'ml', { spec: requests }))).toEqual([]);
    expect(findings('reference-exists', obj('example.com/v1', 'ResourceClaimTemplate', 't', 'ml', { spec: { spec: requests } }))).toEqual([]);
  });

  describe('role bindings', () => {
    const binding = (kind: string, roleRef: unknown, namespace?: string, apiVersion = 'rbac.authorization.k8s.io/v1'): Manifest =>
      obj(apiVersion, kind, 'b', namespace, { roleRef, subjects: [{ kind: 'ServiceAccount', name: 'x', namespace: 'ml' }] });
    const ref = (kind: unknown, name: unknown) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });

    it('flag the missing Role (in their namespace) or ClusterRole (anywhere) at roleRef.name', () => {
      expect(findings('reference-exists', binding('RoleBinding', ref('Role', 'reader'), 'ml'))).toEqual([
        found(['roleRef', 'name'], `Role "reader" does not exist in namespace "ml"${TAIL}`),
      ]);
      expect(findings('reference-exists', binding('RoleBinding', ref('ClusterRole', 'reader'), 'ml'))).toEqual([found(['roleRef', 'name'], `ClusterRole "reader" does not exist${TAIL}`)]);
      expect(findings('reference-exists', binding('ClusterRoleBinding', ref('ClusterRole', 'reader')))).toEqual([found(['roleRef', 'name'], `ClusterRole "reader" does not exist${TAIL}`)]);
      expect(findings('reference-exists', binding('RoleBinding', ref('Role', 'reader')))).toEqual([found(['roleRef', 'name'], `Role "reader" does not exist in namespace ""${TAIL}`)]);
      expect(findings('reference-exists', binding('RoleBinding', ref('Role', 'reader'), 'ml'), [obj('rbac.authorization.k8s.io/v1', 'Role', 'reader', 'ml')])).toEqual([]);
      expect(findings('reference-exists', binding('ClusterRoleBinding', ref('ClusterRole', 'view')))).toEqual([]);
    });

    it('follow nothing but a Role or ClusterRole by a string name, from a binding of rbac.authorization.k8s.io/v1', () => {
      expect(findings('reference-exists', binding('RoleBinding', ref('Role', 'reader'), 'ml', 'rbac.authorization.k8s.io/v1beta1'))).toEqual([]);
      expect(findings('reference-exists', binding('ClusterRoleBinding', ref('ClusterRole', 'reader'), undefined, 'example.com/v1'))).toEqual([]);
      // a roleRef on another kind of the group (the schema rejects it) is not followed
      expect(findings('reference-exists', binding('ClusterRole', ref('ClusterRole', 'reader')))).toEqual([]);
      for (const roleRef of [ref('Group', 'reader'), ref('ServiceAccount', 'reader'), ref('ClusterRole', 42), ref('Role', undefined), 'reader', null, undefined]) {
        expect(findings('reference-exists', binding('RoleBinding', roleRef, 'ml')), JSON.stringify(roleRef)).toEqual([]);
      }
    });
  });
});

describe('gpu-placement', () => {
  const found = finding('gpu-placement');
  const A = { selector: { pool: 'a' }, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] };
  const B = { selector: { pool: 'b', zone: 'z1' }, taints: [{ key: 'dedicated', effect: 'NoExecute' }, { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] };
  const ctx = (...gpuNodeGroups: GpuNodeGroup[]): ValidationContext => ({ ...CONTEXT, gpuNodeGroups });
  const TOLERATE_ALL = [{ operator: 'Exists' }];
  const gpuContainer = container('train', { resources: { ...RESOURCES, limits: { memory: '1Gi', 'nvidia.com/gpu': 1 } } });
  const gpuPod = (spec: Record<string, unknown>) => deployment({ containers: [gpuContainer], ...spec });
  const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
  const term = (...matchExpressions: unknown[]) => ({ matchExpressions });
  const NO_POOL = 'requests GPUs but does not select a GPU pool: nodeSelector or required node affinity must include all labels of one of pool=a | pool=b,zone=z1';
  const at = POD_SPEC.Deployment;

  it('ignores pods that request no GPU', () => {
    expect(findings('gpu-placement', deployment({ containers: [container('app')] }), [], ctx())).toEqual([]);
  });

  it('flags a GPU pod (nvidia.com/gpu or a DRA claim) on a site without GPU groups, or with groups that select no labels', () => {
    const claimPod = workload('Pod', { containers: [container('app')], resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 't' }] });
    const message = 'requests GPUs but the site has no GPU node pool and no cloud GPU node group';
    expect(findings('gpu-placement', gpuPod({}), [], ctx())).toEqual([found([...at, 'nodeSelector'], message)]);
    expect(findings('gpu-placement', claimPod, [], ctx({ selector: {}, taints: A.taints }))).toEqual([found(['spec', 'nodeSelector'], message)]);
  });

  it('accepts a pod that selects a group by nodeSelector and tolerates its taints', () => {
    expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'a' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }] }), [], ctx(A, B))).toEqual([]);
  });

  it('flags a pod that selects no group: it must tolerate every taint of every group, each once', () => {
    expect(findings('gpu-placement', gpuPod({}), [], ctx(A, B))).toEqual([
      found([...at, 'tolerations'], 'requests GPUs but does not tolerate the GPU taint nvidia.com/gpu=present:NoSchedule'),
      found([...at, 'tolerations'], 'requests GPUs but does not tolerate the GPU taint dedicated:NoExecute'),
      found([...at, 'nodeSelector'], NO_POOL),
    ]);
    expect(findings('gpu-placement', gpuPod({ tolerations: TOLERATE_ALL }), [], ctx(A, B))).toEqual([found([...at, 'nodeSelector'], NO_POOL)]);
  });

  it('needs all labels of a group: one of two is not enough', () => {
    expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'b' }, tolerations: TOLERATE_ALL }), [], ctx(A, B))).toEqual([found([...at, 'nodeSelector'], NO_POOL)]);
    expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'b', zone: 'z1' }, tolerations: TOLERATE_ALL }), [], ctx(A, B))).toEqual([]);
  });

  it('skips PreferNoSchedule taints (the scheduler may still place the pod)', () => {
    const soft = { selector: { pool: 'soft' }, taints: [{ key: 'gpu', value: 'yes', effect: 'PreferNoSchedule' }, { key: 'gpu', effect: 'NoSchedule' }] };
    expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'soft' } }), [], ctx(soft))).toEqual([
      found([...at, 'tolerations'], 'requests GPUs but does not tolerate the GPU taint gpu:NoSchedule'),
    ]);
  });

  it('combines nodeSelector with each required node-affinity term; only In with one value pins a label', () => {
    const tolerations = TOLERATE_ALL;
    // nodeSelector pool=b plus zone from the term
    expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'b' }, tolerations, affinity: required(term({ key: 'zone', operator: 'In', values: ['z1'] })) }), [], ctx(A, B))).toEqual([]);
    // an Exists expression (no values) pins nothing and breaks nothing
    expect(findings('gpu-placement', gpuPod({ tolerations, affinity: required(term({ key: 'x', operator: 'Exists' }, { key: 'pool', operator: 'In', values: ['a'] })) }), [], ctx(A, B))).toEqual([]);
    for (const expression of [
      { key: 'pool', operator: 'NotIn', values: ['a'] },
      { key: 'pool', operator: 'In', values: ['a', 'cpu'] },
      { key: 'pool', operator: 'In', values: [] },
      { key: 'pool', operator: 'In' },
      { operator: 'In', values: ['a'] },
    ]) {
      expect(findings('gpu-placement', gpuPod({ tolerations, affinity: required(term(expression)) }), [], ctx(A, B)), JSON.stringify(expression)).toEqual([found([...at, 'nodeSelector'], NO_POOL)]);
    }
    // a term of matchFields only (a node by name) pins no label: the nodeSelector alone must select the pool
    const byName = required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gpu-1'] }] });
    expect(findings('gpu-placement', gpuPod({ tolerations, affinity: byName }), [], ctx(A, B))).toEqual([found([...at, 'nodeSelector'], NO_POOL)]);
    expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'a' }, tolerations, affinity: byName }), [], ctx(A, B))).toEqual([]);
  });

  it('affinity without required node affinity leaves the nodeSelector in charge', () => {
    const tolerations = TOLERATE_ALL;
    const preferred = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: term({ key: 'pool', operator: 'In', values: ['b'] }) }] } };
    const podAntiAffinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'app' } } }] } };
    for (const affinity of [preferred, podAntiAffinity, required()]) {
      expect(findings('gpu-placement', gpuPod({ nodeSelector: { pool: 'a' }, tolerations, affinity }), [], ctx(A, B)), JSON.stringify(affinity)).toEqual([]);
    }
  });

  it('each term must select a group; one that does not means tolerating every group', () => {
    const affinity = required(term({ key: 'pool', operator: 'In', values: ['a'] }), term({ key: 'pool', operator: 'In', values: ['cpu'] }));
    const tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists' }];
    expect(findings('gpu-placement', gpuPod({ tolerations, affinity }), [], ctx(A, B))).toEqual([
      found([...at, 'tolerations'], 'requests GPUs but does not tolerate the GPU taint dedicated:NoExecute'),
      found([...at, 'nodeSelector'], NO_POOL),
    ]);
    // both terms on a GPU group: the taints of those groups only
    const both = required(term({ key: 'pool', operator: 'In', values: ['a'] }), term({ key: 'pool', operator: 'In', values: ['a'] }, { key: 'zone', operator: 'In', values: ['z9'] }));
    expect(findings('gpu-placement', gpuPod({ tolerations, affinity: both }), [], ctx(A, B))).toEqual([]);
  });
});
