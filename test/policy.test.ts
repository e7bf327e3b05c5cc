import { describe, expect, it } from 'vitest';
import type { Manifest, RenderedFile } from '../lib/core/manifest';
import { HOST_PRIVILEGES, PRIVILEGE_ALLOWLIST, grantMatches } from '../lib/validate/policy/allowlist';
import { CLUSTER_PROVIDED_OBJECTS, CLUSTER_PROVIDED_PODS } from '../lib/validate/policy/cluster-provided';
import { CHECK_DESCRIPTIONS, type ValidationContext, validateFiles } from '../lib/validate/validator';
import { CONTEXT, loadSite, withEdit, withObjects } from './fixtures/validator/site';
import { setUp } from './helpers/set-up';

let site!: ReturnType<typeof loadSite>;
setUp(() => {
  site = loadSite('site-1.33.yaml');
});

/** Findings of one check as `object | field | message`. */
function findings(check: string, files: readonly RenderedFile[] = site, ctx: ValidationContext = CONTEXT): string[] {
  return validateFiles(files, ctx)
    .filter((f) => f.check === check)
    .map((f) => `${f.object} | ${f.field ?? ''} | ${f.message}`);
}

const trainer = (edit: (d: any) => void) => withEdit(site, 'Deployment trainer', edit);
const trainerPod = (edit: (spec: any) => void) => trainer((d) => edit(d.spec.template.spec));

function daemonSet(name: string, component: string, podSpec: Record<string, unknown>): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'kube-system', labels: { 'app.kubernetes.io/component': component } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component } },
        spec: {
          containers: [{ name, image: 'harbor.example.com/library/busybox:1.37', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } } }],
          ...podSpec,
        },
      },
    },
  };
}

function secret(name: string, type: string | undefined, data: Record<string, string>, field: 'data' | 'stringData' = 'data'): Manifest {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ml-workloads' }, ...(type ? { type } : {}), [field]: data };
}

function configMap(name: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ml-workloads' }, data };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the fixture site', () => {
  it('passes every check', () => {
    expect(validateFiles(site, CONTEXT)).toEqual([]);
  });

  it('documents every check', () => {
    expect(CHECK_DESCRIPTIONS.map((c) => c.id)).toEqual([
      'schema', 'resources-required', 'image-pinned', 'privileged-allowlist', 'privileged-escalation', 'label-syntax',
      'selector-match', 'reference-exists', 'gpu-placement', 'plaintext-credential',
    ]);
    const described = Object.fromEntries(CHECK_DESCRIPTIONS.map((c) => [c.id, c.description]));
    expect(described.schema).toMatch(/^strict OpenAPI schema of the target Kubernetes minor/);
    expect(described['privileged-allowlist']).toMatch(/^privileged, hostPath, hostPID, hostNetwork, hostIPC only for components granted them/);
    expect(Object.values(described).filter((d) => d.length < 20)).toEqual([]);
  });
});

describe('resources-required', () => {
  it('flags a container without cpu request, and an init container without memory limit', () => {
    const files = withEdit(trainer((d) => delete d.spec.template.spec.containers[0].resources.requests.cpu), 'Job dra-smoke-test', (j) => {
      delete j.spec.template.spec.initContainers[0].resources.limits;
    });
    expect(findings('resources-required', files)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.containers[0].resources.requests.cpu | container "trainer" has no cpu request',
      'Job ml-workloads/dra-smoke-test | spec.template.spec.initContainers[0].resources.limits.memory | init container "wait" has no memory limit',
    ]);
  });

  it('flags a container with no resources at all, three times', () => {
    const files = trainerPod((spec) => delete spec.containers[0].resources);
    expect(findings('resources-required', files).map((f) => f.split(' | ')[2])).toEqual([
      'container "trainer" has no memory limit',
      'container "trainer" has no cpu request',
      'container "trainer" has no memory request',
    ]);
  });
});

describe('image-pinned', () => {
  it.each([
    ['busybox', 'has no tag or digest'],
    ['harbor.example.com:5000/library/busybox', 'has no tag or digest'],
    ['harbor.example.com/library/busybox:latest', 'uses the moving tag "latest"'],
    ['busybox:', 'has no tag or digest'],
  ])('flags %s', (image, message) => {
    const files = trainerPod((spec) => (spec.containers[0].image = image));
    expect(findings('image-pinned', files)).toEqual([`Deployment ml-workloads/trainer | spec.template.spec.containers[0].image | container "trainer" image "${image}" ${message}`]);
  });

  it.each(['harbor.example.com:5000/library/busybox:1.37', 'busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'nvcr.io/nvidia/cuda:12.9.1-base-ubuntu24.04', 'busybox:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'])('accepts %s', (image) => {
    expect(findings('image-pinned', trainerPod((spec) => (spec.containers[0].image = image)))).toEqual([]);
  });
});

describe('privileged-allowlist', () => {
  it('flags host access by a component without a grant', () => {
    const files = trainerPod((spec) => {
      spec.hostNetwork = true;
      spec.volumes.push({ name: 'root', hostPath: { path: '/' } });
    });
    expect(findings('privileged-allowlist', files)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.hostNetwork | hostNetwork: true: component "samples" is not allowed hostNetwork (grant it with a reason in lib/validate/policy/allowlist.ts)',
      'Deployment ml-workloads/trainer | spec.template.spec.volumes[2].hostPath | hostPath volume "root" (/): component "samples" is not allowed hostPath (grant it with a reason in lib/validate/policy/allowlist.ts)',
    ]);
  });

  it('flags a privilege the component was not granted (device plugin: hostPath only)', () => {
    const files = withEdit(site, 'DaemonSet nvidia-device-plugin', (d) => {
      d.spec.template.spec.containers[0].securityContext = { privileged: true };
    });
    expect(findings('privileged-allowlist', files)).toEqual([
      'DaemonSet nvidia-device-plugin/nvidia-device-plugin | spec.template.spec.containers[0].securityContext.privileged | privileged container "nvidia-device-plugin": component "nvidia-device-plugin" is not allowed privileged (grant it with a reason in lib/validate/policy/allowlist.ts)',
    ]);
  });

  it('accepts what a grant allows, matched by component label', () => {
    const installer = daemonSet('harbor-ca-installer', 'harbor-ca-installer-system-trust', {
      hostPID: true,
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
    });
    (installer.spec as any).template.spec.containers[0].securityContext = { privileged: true };
    expect(findings('privileged-allowlist', withObjects(site, installer))).toEqual([]);
  });

  it('grants the CA installer host root only in its systemTrust variant', () => {
    const installer = daemonSet('harbor-ca-installer', 'harbor-ca-installer', {
      hostPID: true,
      volumes: [{ name: 'certs', hostPath: { path: '/etc/containerd/certs.d/harbor' } }],
    });
    (installer.spec as any).template.spec.containers[0].securityContext = { privileged: true };
    expect(findings('privileged-allowlist', withObjects(site, installer)).map((f) => f.split(' | ')[1])).toEqual([
      'spec.template.spec.containers[0].securityContext.privileged',
      'spec.template.spec.hostPID',
    ]);
  });

  it('matches grants by kind/namespace/name too', () => {
    const grant = { subject: { kind: 'DaemonSet', namespace: 'kube-system', name: 'x' }, privileges: ['hostPID' as const], reason: 'test' };
    expect(grantMatches(grant, { kind: 'DaemonSet', namespace: 'kube-system', name: 'x', labels: {} })).toBe(true);
    expect(grantMatches(grant, { kind: 'DaemonSet', namespace: 'default', name: 'x', labels: {} })).toBe(false);
  });

  it('has a reason and known privileges for every entry', () => {
    for (const grant of PRIVILEGE_ALLOWLIST) {
      expect(grant.reason.length).toBeGreaterThan(20);
      expect(grant.privileges.length).toBeGreaterThan(0);
      for (const p of grant.privileges) expect(HOST_PRIVILEGES).toContain(p);
    }
  });
});

describe('label-syntax', () => {
  it('accepts the fixture site', () => {
    expect(findings('label-syntax')).toEqual([]);
  });

  it('flags a version label longer than 63 characters and a bad template label key', () => {
    const digest = 'a'.repeat(64);
    const installer = daemonSet('harbor-ca-installer', 'harbor-ca-installer', {});
    (installer.metadata.labels as Record<string, string>)['app.kubernetes.io/version'] = digest;
    (installer.spec as any).template.metadata.labels['bad key'] = 'x';
    expect(findings('label-syntax', withObjects(site, installer)).map((f) => f.split(' | ').slice(0, 2).join(' | '))).toEqual([
      'DaemonSet kube-system/harbor-ca-installer | metadata.labels.app.kubernetes.io/version',
      'DaemonSet kube-system/harbor-ca-installer | spec.template.metadata.labels["bad key"]',
    ]);
  });
});

describe('privileged-escalation', () => {
  it('flags privileged: true with allowPrivilegeEscalation: false', () => {
    const installer = daemonSet('harbor-ca-installer', 'harbor-ca-installer', {});
    (installer.spec as any).template.spec.containers[0].securityContext = { privileged: true, allowPrivilegeEscalation: false };
    expect(findings('privileged-escalation', withObjects(site, installer))).toEqual([
      'DaemonSet kube-system/harbor-ca-installer | spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation | container "harbor-ca-installer" is privileged but sets allowPrivilegeEscalation: false, which the API server rejects',
    ]);
    (installer.spec as any).template.spec.containers[0].securityContext = { privileged: true };
    expect(findings('privileged-escalation', withObjects(site, installer))).toEqual([]);
  });
});

describe('selector-match', () => {
  it('flags a workload selector that does not match its template', () => {
    const files = trainer((d) => (d.spec.selector.matchLabels['app.kubernetes.io/name'] = 'trainr'));
    expect(findings('selector-match', files)).toContain(
      'Deployment ml-workloads/trainer | spec.selector | selector app.kubernetes.io/name=trainr does not match the pod template labels app.kubernetes.io/name=trainer',
    );
  });

  it('flags Service, PodDisruptionBudget and ServiceMonitor selectors that select nothing', () => {
    let files = withEdit(site, 'Service trainer-metrics', (s) => (s.spec.selector = { app: 'trainer' }));
    files = withEdit(files, 'PodDisruptionBudget trainer', (p) => (p.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Exists' }] }));
    files = withEdit(files, 'ServiceMonitor trainer', (s) => (s.spec.namespaceSelector = { matchNames: ['monitoring'] }));
    expect(findings('selector-match', files)).toEqual([
      'Service ml-workloads/trainer-metrics | spec.selector | selects no pod of any workload in namespace "ml-workloads" (selector app=trainer)',
      'PodDisruptionBudget ml-workloads/trainer | spec.selector | selects no pod of any workload in namespace "ml-workloads" (selector app)',
      'ServiceMonitor ml-workloads/trainer | spec.selector | selects no Service in namespace "monitoring" (selector app.kubernetes.io/name=trainer)',
    ]);
  });

  it('accepts a Service that selects cluster-provided pods (CoreDNS)', () => {
    const service: Manifest = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'coredns-metrics', namespace: 'kube-system' }, spec: { selector: { 'k8s-app': 'kube-dns' }, ports: [{ port: 9153 }] } };
    expect(findings('selector-match', withObjects(site, service))).toEqual([]);
  });
});

describe('reference-exists', () => {
  it('flags missing ConfigMap, PVC, ServiceAccount, PriorityClass, RuntimeClass and ResourceClaimTemplate', () => {
    const files = withEdit(
      trainerPod((spec) => {
        spec.volumes[0].configMap.name = 'trainer-cfg';
        spec.volumes[1].persistentVolumeClaim.claimName = 'data';
        spec.serviceAccountName = 'trainer';
        spec.priorityClassName = 'gpu-high';
        spec.runtimeClassName = 'nvidia';
      }),
      'Job dra-smoke-test',
      (j) => (j.spec.template.spec.resourceClaims[0].resourceClaimTemplateName = 'one-gpu'),
    );
    expect(findings('reference-exists', files).map((f) => f.split(' | ').slice(1).join(' | '))).toEqual([
      'spec.template.spec.priorityClassName | PriorityClass "gpu-high" does not exist: not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
      'spec.template.spec.runtimeClassName | RuntimeClass "nvidia" does not exist: not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
      'spec.template.spec.serviceAccountName | ServiceAccount "trainer" does not exist in namespace "ml-workloads": not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
      'spec.template.spec.volumes[0].configMap.name | ConfigMap "trainer-cfg" does not exist in namespace "ml-workloads": not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
      'spec.template.spec.volumes[1].persistentVolumeClaim.claimName | PersistentVolumeClaim "data" does not exist in namespace "ml-workloads": not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
      'spec.template.spec.resourceClaims[0].resourceClaimTemplateName | ResourceClaimTemplate "one-gpu" does not exist in namespace "ml-workloads": not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
    ]);
  });

  it('counts Secrets produced by ExternalSecret (spec.target.name) and SealedSecret (template name)', () => {
    // The fixture's trainer pulls with harbor-registry (ExternalSecret target) and reads nfs-credentials (SealedSecret).
    expect(findings('reference-exists')).toEqual([]);
    const renamed = withEdit(site, 'ExternalSecret harbor-pull', (e) => delete e.spec.target.name);
    expect(findings('reference-exists', renamed)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.imagePullSecrets[0].name | Secret "harbor-registry" does not exist in namespace "ml-workloads": not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
    ]);
    const sealed = withEdit(site, 'SealedSecret nfs-credentials', (s) => (s.spec.template.metadata.name = 'nfs'));
    expect(findings('reference-exists', sealed)).toHaveLength(1);
    const merged = withEdit(site, 'ExternalSecret harbor-pull', (e) => (e.spec.target.creationPolicy = 'Merge'));
    expect(findings('reference-exists', merged)).toHaveLength(1);
  });

  it('accepts cluster-provided objects and optional references', () => {
    const files = trainerPod((spec) => {
      spec.serviceAccountName = 'default';
      spec.priorityClassName = 'system-cluster-critical';
      spec.volumes.push({ name: 'ca', configMap: { name: 'kube-root-ca.crt' } });
      spec.volumes.push({ name: 'extra', secret: { secretName: 'maybe', optional: true } });
      spec.containers[0].envFrom = [{ configMapRef: { name: 'maybe-too', optional: true } }];
    });
    expect(findings('reference-exists', files)).toEqual([]);
  });

  it('flags a DeviceClass that does not exist, in v1beta1 and v1 claim shapes', () => {
    const v1beta1 = withEdit(site, 'ResourceClaimTemplate single-gpu', (t) => (t.spec.spec.devices.requests[0].deviceClassName = 'gpu.example.com'));
    expect(findings('reference-exists', v1beta1)).toEqual([
      'ResourceClaimTemplate ml-workloads/single-gpu | spec.spec.devices.requests[0].deviceClassName | DeviceClass "gpu.example.com" does not exist: not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
    ]);
    const v1 = withEdit(site, 'ResourceClaimTemplate single-gpu', (t) => {
      t.apiVersion = 'resource.k8s.io/v1';
      t.spec.spec.devices.requests[0] = { name: 'gpu', exactly: { deviceClassName: 'mig.nvidia.com' } };
    });
    expect(findings('reference-exists', v1).map((f) => f.split(' | ')[1])).toEqual(['spec.spec.devices.requests[0].exactly.deviceClassName']);
  });

  it('follows roleRef of role bindings to the output or the default ClusterRoles', () => {
    const binding = (kind: string, roleKind: string, role: string): Manifest => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind,
      metadata: { name: `${role}-binding`, ...(kind === 'RoleBinding' ? { namespace: 'ml-workloads' } : {}) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }],
    });
    const files = withObjects(
      site,
      binding('ClusterRoleBinding', 'ClusterRole', 'view'),
      binding('ClusterRoleBinding', 'ClusterRole', 'system:auth-delegator'),
      binding('RoleBinding', 'Role', 'pod-reader'),
      binding('ClusterRoleBinding', 'ClusterRole', 'gpu-reader'),
    );
    expect(findings('reference-exists', files)).toEqual([
      'RoleBinding ml-workloads/pod-reader-binding | roleRef.name | Role "pod-reader" does not exist in namespace "ml-workloads": not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
      'ClusterRoleBinding gpu-reader-binding | roleRef.name | ClusterRole "gpu-reader" does not exist: not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided',
    ]);
  });

  it('has a reason for every cluster-provided entry', () => {
    for (const entry of [...CLUSTER_PROVIDED_OBJECTS, ...CLUSTER_PROVIDED_PODS]) expect(entry.reason).not.toBe('');
  });
});

describe('gpu-placement', () => {
  it('flags a GPU pod that neither tolerates the GPU taint nor selects a GPU pool', () => {
    const files = trainerPod((spec) => {
      delete spec.tolerations;
      spec.nodeSelector = { 'node.example.com/pool': 'cpu' };
    });
    expect(findings('gpu-placement', files)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.nodeSelector | requests GPUs but does not select a GPU pool: nodeSelector or required node affinity must include all labels of one of node.example.com/pool=gpu-h100 | node.example.com/pool=gpu-h100-dra',
      'Deployment ml-workloads/trainer | spec.template.spec.tolerations | requests GPUs but does not tolerate the GPU taint nvidia.com/gpu=present:NoSchedule',
    ]);
  });

  it('flags a DRA pod (resource claim, no nvidia.com/gpu) that selects no pool', () => {
    const files = withEdit(site, 'Job dra-smoke-test', (j) => delete j.spec.template.spec.nodeSelector);
    expect(findings('gpu-placement', files).map((f) => f.split(' | ')[1])).toEqual(['spec.template.spec.nodeSelector']);
  });

  it('accepts a pool selected by required node affinity (In with one value) and a key-less Exists toleration', () => {
    const files = trainerPod((spec) => {
      delete spec.nodeSelector;
      spec.tolerations = [{ operator: 'Exists' }];
      spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'node.example.com/pool', operator: 'In', values: ['gpu-h100'] }] }],
          },
        },
      };
    });
    expect(findings('gpu-placement', files)).toEqual([]);
  });

  it('flags affinity that allows a non-GPU pool (In with two values)', () => {
    const files = trainerPod((spec) => {
      delete spec.nodeSelector;
      spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'node.example.com/pool', operator: 'In', values: ['gpu-h100', 'cpu'] }] }],
          },
        },
      };
    });
    expect(findings('gpu-placement', files)).toHaveLength(1);
  });

  it('accepts a cloud GPU node group as the target, with that group\'s taints only', () => {
    const cloud = { selector: { 'eks.amazonaws.com/nodegroup': 'gpu-nodes' }, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] };
    const ctx = { ...CONTEXT, gpuNodeGroups: [...CONTEXT.gpuNodeGroups, cloud] };
    const onCloud = (tolerations: unknown[]) =>
      trainerPod((spec) => {
        delete spec.nodeSelector;
        spec.tolerations = tolerations;
        spec.affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/nodegroup', operator: 'In', values: ['gpu-nodes'] }] }],
            },
          },
        };
      });
    // the group's own taint is enough: the hybrid pools' nvidia.com/gpu=present taint is not its business
    expect(findings('gpu-placement', onCloud([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]), ctx)).toEqual([]);
    expect(findings('gpu-placement', onCloud([]), ctx)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.tolerations | requests GPUs but does not tolerate the GPU taint nvidia.com/gpu=true:NoSchedule',
    ]);
    // without the cloud group in the context the same pod selects no GPU nodes
    expect(findings('gpu-placement', onCloud([{ operator: 'Exists' }]))).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.nodeSelector | requests GPUs but does not select a GPU pool: nodeSelector or required node affinity must include all labels of one of node.example.com/pool=gpu-h100 | node.example.com/pool=gpu-h100-dra',
    ]);
  });

  it('flags GPU pods on a site without GPU pools', () => {
    const ctx = { ...CONTEXT, gpuNodeGroups: [] };
    expect(findings('gpu-placement', site, ctx)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.nodeSelector | requests GPUs but the site has no GPU node pool and no cloud GPU node group',
      'Job ml-workloads/dra-smoke-test | spec.template.spec.nodeSelector | requests GPUs but the site has no GPU node pool and no cloud GPU node group',
    ]);
  });
});

describe('plaintext-credential', () => {
  const dockerConfig = JSON.stringify({ auths: { 'harbor.example.com': { auth: b64('robot$pull:s3cr3t-value') } } });

  it('flags Secrets of credential types or with credential keys, without printing the value', () => {
    const files = withObjects(
      site,
      secret('harbor-registry-plain', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(dockerConfig) }),
      secret('db', undefined, { password: 'hunter2-hunter2' }, 'stringData'),
      secret('basic', 'kubernetes.io/basic-auth', { username: b64('admin'), password: b64('s3cr3t-value') }),
    );
    const found = findings('plaintext-credential', files);
    expect(found).toEqual([
      'Secret ml-workloads/harbor-registry-plain | data[".dockerconfigjson"] | Secret of type kubernetes.io/dockerconfigjson holds a plaintext credential; deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)',
      'Secret ml-workloads/db | stringData.password | Secret key "password" holds a plaintext credential; deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)',
      'Secret ml-workloads/basic | data.password | Secret of type kubernetes.io/basic-auth holds a plaintext credential; deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)',
      'Secret ml-workloads/basic | data.username | Secret of type kubernetes.io/basic-auth holds a plaintext credential; deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)',
    ]);
    expect(found.join('\n')).not.toMatch(/hunter2|s3cr3t|robot/);
  });

  it('accepts plain pull secrets when the user opted in', () => {
    const files = withObjects(site, secret('harbor-registry-plain', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(dockerConfig) }));
    expect(findings('plaintext-credential', files, { ...CONTEXT, allowPlainCredentials: true })).toEqual([]);
  });

  it('flags credentials in ConfigMaps, env values and base64 Secret payloads even when plain Secrets are allowed', () => {
    const files = withObjects(
      site,
      configMap('app', { 'app.ini': '[db]\nhost = db\npassword = hunter2\n', 'registry.json': dockerConfig }),
      secret('config', 'Opaque', { 'config.yaml': b64('db:\n  user: app\n  db_password: "hunter2"\n') }),
    );
    const withEnv = withEdit(files, 'Deployment trainer', (d) => d.spec.template.spec.containers[0].env.push({ name: 'API_TOKEN', value: 'abc123def456' }));
    const ctx = { ...CONTEXT, allowPlainCredentials: false };
    expect(findings('plaintext-credential', withEnv, ctx)).toEqual([
      'Deployment ml-workloads/trainer | spec.template.spec.containers[0].env[1].value | "API_TOKEN" is set to a plaintext value; reference a Secret (valueFrom.secretKeyRef) instead',
      'ConfigMap ml-workloads/app | data.app.ini | contains a plaintext credential assignment ("password" = …)',
      'ConfigMap ml-workloads/app | data.registry.json | contains a registry "auths" entry with an "auth" credential',
      'Secret ml-workloads/config | data.config.yaml | contains a plaintext credential assignment ("db_password" = …); deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)',
    ]);
    expect(findings('plaintext-credential', withEnv, { ...CONTEXT, allowPlainCredentials: true })).toHaveLength(3);
  });

  it('accepts references, paths and templates that only name a credential', () => {
    const files = withObjects(
      site,
      configMap('refs', {
        'prometheus.yml': 'basic_auth:\n  username: scraper\n  password_file: /etc/secrets/password\nbearer_token_file: /var/run/token\n',
        'entrypoint.sh': 'exec app --password="$DB_PASSWORD" --token=${API_TOKEN}\n',
      }),
    );
    expect(findings('plaintext-credential', files)).toEqual([]);
  });
});

describe('privileged-allowlist matches a component exactly (issue 21)', () => {
  it.each(['nvidia-dra-driver-extra', 'nvidia-dra', 'xnvidia-dra-driver', 'NVIDIA-DRA-DRIVER'])('grants nothing to component "%s", a near miss of nvidia-dra-driver', (component) => {
    const pod = daemonSet('near-miss', component, { volumes: [{ name: 'host', hostPath: { path: '/var/lib/kubelet' } }] });
    (pod.spec as any).template.spec.containers[0].securityContext = { privileged: true };
    expect(findings('privileged-allowlist', withObjects(site, pod))).toEqual([
      `DaemonSet kube-system/near-miss | spec.template.spec.containers[0].securityContext.privileged | privileged container "near-miss": component "${component}" is not allowed privileged (grant it with a reason in lib/validate/policy/allowlist.ts)`,
      `DaemonSet kube-system/near-miss | spec.template.spec.volumes[0].hostPath | hostPath volume "host" (/var/lib/kubelet): component "${component}" is not allowed hostPath (grant it with a reason in lib/validate/policy/allowlist.ts)`,
    ]);
  });

  it('grantMatches: the component label equal to the grant, nothing else', () => {
    const grant = PRIVILEGE_ALLOWLIST.find((g) => 'component' in g.subject && g.subject.component === 'nvidia-dra-driver')!;
    const object = (component: string | undefined) => {
      const labels: Record<string, string> = component === undefined ? {} : { 'app.kubernetes.io/component': component };
      return { kind: 'DaemonSet', namespace: 'x', name: 'y', labels };
    };
    expect(grantMatches(grant, object('nvidia-dra-driver'))).toBe(true);
    for (const near of ['nvidia-dra-driver-gpu', 'nvidia-dra', '', undefined]) expect(grantMatches(grant, object(near)), String(near)).toBe(false);
  });

  it('grantMatches by kind/namespace/name: every part must be equal', () => {
    const grant = { subject: { kind: 'DaemonSet', namespace: 'kube-system', name: 'x' }, privileges: ['hostPID' as const], reason: 'test' };
    expect(grantMatches(grant, { kind: 'Deployment', namespace: 'kube-system', name: 'x', labels: {} })).toBe(false);
    expect(grantMatches(grant, { kind: 'DaemonSet', namespace: 'kube-system', name: 'x2', labels: {} })).toBe(false);
    expect(grantMatches(grant, { kind: 'DaemonSet', name: 'x', labels: {} })).toBe(false);
    const clusterScoped = { subject: { kind: 'DaemonSet', name: 'x' }, privileges: ['hostPID' as const], reason: 'test' };
    expect(grantMatches(clusterScoped, { kind: 'DaemonSet', name: 'x', labels: {} })).toBe(true);
    expect(grantMatches(clusterScoped, { kind: 'DaemonSet', namespace: 'kube-system', name: 'x', labels: {} })).toBe(false);
  });
});
