import { Testing } from 'cdk8s';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { ClusterRole, Role } from 'kubernetes-types/rbac/v1';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ClusterAutoscalerChart } from '../charts/cluster-autoscaler';
import { autoscalerDiscoveryTags } from '../lib/model/cloud';
import { SiteConfigError } from '../lib/config/problems';
import type { Manifest } from '../lib/core/manifest';
import { validationContext } from '../lib/pipeline/pipeline';
import { COMPUTE_TYPE_LABEL, HYBRID } from '../lib/model/placement';
import { renderSite } from '../lib/render/render';
import { loadSite, type Site } from '../lib/site/site';
import { validateFiles } from '../lib/validate/validator';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { exampleFor, loadSiteVariant } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

function synth(site: Site): Manifest[] {
  return Testing.synth(new ClusterAutoscalerChart(Testing.app(), 'cluster-autoscaler', { site })) as Manifest[];
}

function deploymentOf(objects: Manifest[]): Deployment {
  return objects.find((o) => o.kind === 'Deployment') as unknown as Deployment;
}

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});
let objects!: ReturnType<typeof synth>;
let deployment!: Deployment;
let pod!: NonNullable<Deployment['spec']>['template']['spec'] & object;
let container!: (NonNullable<Deployment['spec']>['template']['spec'] & object)['containers'][number];
setUp(() => {
  objects = synth(example);
  deployment = deploymentOf(objects);
  pod = deployment.spec!.template.spec!;
  container = pod.containers[0];
});


describe('cluster-autoscaler chart (example site)', () => {
  it('renders the service account, upstream RBAC and the Deployment in kube-system', () => {
    expect(objects).toMatchSnapshot();
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'ServiceAccount kube-system/cluster-autoscaler',
      'ClusterRole -/cluster-autoscaler',
      'ClusterRoleBinding -/cluster-autoscaler',
      'Role kube-system/cluster-autoscaler',
      'RoleBinding kube-system/cluster-autoscaler',
      'Deployment kube-system/cluster-autoscaler',
    ]);
  });

  it('authenticates to AWS with the IRSA role from the config', () => {
    expect(objects[0].metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/my-hybrid-cluster-cluster-autoscaler' });
    expect(pod.serviceAccountName).toBe('cluster-autoscaler');
    expect(container.env).toEqual([{ name: 'AWS_REGION', value: 'ap-northeast-2' }]);
  });

  it('discovers the ASGs by the tags the eksctl config sets, with the guide\'s flags', () => {
    const tags = Object.keys(autoscalerDiscoveryTags(example.config));
    expect(tags).toEqual(['k8s.io/cluster-autoscaler/enabled', 'k8s.io/cluster-autoscaler/my-hybrid-cluster']);
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--cloud-provider=aws',
        '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/my-hybrid-cluster',
        '--expander=least-waste',
        '--balance-similar-node-groups',
        '--skip-nodes-with-system-pods=false',
      ]),
    );
  });

  it('runs on cloud nodes only, as system-cluster-critical, with a restricted-profile security context', () => {
    expect(pod.affinity).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: COMPUTE_TYPE_LABEL, operator: 'NotIn', values: [HYBRID] }] }] } },
    });
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '600Mi' }, limits: { memory: '600Mi' } });
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  it('grants what upstream\'s chart grants the AWS provider: volumeattachments yes, node create/delete no', () => {
    const rules = (objects.find((o) => o.kind === 'ClusterRole') as unknown as ClusterRole).rules!;
    const storage = rules.find((r) => r.apiGroups!.includes('storage.k8s.io'))!;
    expect(storage.resources).toContain('volumeattachments');
    const nodes = rules.find((r) => r.resources!.includes('nodes'))!;
    expect(nodes.verbs).toEqual(['watch', 'list', 'get', 'update']);
    expect(rules.flatMap((r) => r.verbs!)).not.toContain('*');
    expect(rules).toContainEqual({ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['cluster-autoscaler'], verbs: ['get', 'update'] });
    const role = objects.find((o) => o.kind === 'Role') as unknown as Role;
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-autoscaler-status'], verbs: ['delete', 'get', 'update'] });
  });

  it('grants exactly the rules of upstream\'s chart for the AWS provider, cluster-wide and in kube-system', () => {
    // charts/cluster-autoscaler of kubernetes/autoscaler (clusterrole.yaml, role.yaml), AWS provider, no
    // priority expander: any grant added, dropped or widened shows here
    const clusterRole = objects.find((o) => o.kind === 'ClusterRole') as unknown as ClusterRole;
    expect(clusterRole.rules).toEqual([
      { apiGroups: [''], resources: ['events', 'endpoints'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] },
      { apiGroups: [''], resources: ['endpoints'], resourceNames: ['cluster-autoscaler'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['watch', 'list', 'get', 'update'] },
      { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: ['batch', 'extensions'], resources: ['jobs'], verbs: ['get', 'list', 'patch', 'watch'] },
      { apiGroups: ['extensions'], resources: ['replicasets', 'daemonsets'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['watch', 'list'] },
      { apiGroups: ['apps'], resources: ['daemonsets', 'replicasets', 'statefulsets'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch', 'get'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['cluster-autoscaler'], verbs: ['get', 'update'] },
    ]);
    const role = objects.find((o) => o.kind === 'Role') as unknown as Role;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-autoscaler-status'], verbs: ['delete', 'get', 'update'] },
    ]);
  });

  it('runs one instance, selected by its name label, with every flag, its metrics port and health check', () => {
    const labels = { 'app.kubernetes.io/name': 'cluster-autoscaler' };
    for (const o of objects) expect(o.metadata.labels, `${o.kind}`).toMatchObject(labels);
    expect(deployment.spec!.replicas).toBe(1);
    expect(deployment.spec!.selector).toEqual({ matchLabels: labels });
    expect(deployment.spec!.template.metadata!.labels).toMatchObject(labels);
    expect(container.name).toBe('cluster-autoscaler');
    expect(container.command).toEqual(['./cluster-autoscaler']);
    expect(container.args).toEqual([
      '--cloud-provider=aws',
      '--namespace=kube-system',
      '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/my-hybrid-cluster',
      '--expander=least-waste',
      '--balance-similar-node-groups',
      '--skip-nodes-with-system-pods=false',
      '--skip-nodes-with-local-storage=false',
      '--v=4',
      '--stderrthreshold=info',
    ]);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 8085, protocol: 'TCP' }]);
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/health-check', port: 'metrics' }, initialDelaySeconds: 30, periodSeconds: 10 });
  });

  it('binds both roles, the ClusterRole and the Role of its own name, to its service account', () => {
    const bindings = objects.filter((o) => o.kind.endsWith('Binding'));
    expect(bindings.map((b) => b.roleRef)).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-autoscaler' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cluster-autoscaler' },
    ]);
    for (const binding of bindings) {
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cluster-autoscaler', namespace: 'kube-system' }]);
    }
  });
});

describe('image follows kubernetesVersion', () => {
  it.each(SUPPORTED_KUBERNETES_VERSIONS.map((v) => [v]))('Kubernetes %s: cluster-autoscaler v%s.x, and the whole site validates strictly', (version) => {
    const site = exampleFor(version);
    const image = deploymentOf(synth(site)).spec!.template.spec!.containers[0].image!;
    expect(image).toMatch(new RegExp(`^registry\\.k8s\\.io/autoscaling/cluster-autoscaler:v${version.replace('.', '\\.')}\\.\\d+$`));
    const findings = validateFiles(renderSite(site, CHARTS).files, validationContext(site));
    expect(findings.filter((f) => f.file.includes('cluster-autoscaler'))).toEqual([]);
  });

  it('pins the tags we verified', () => {
    const tags = Object.fromEntries(SUPPORTED_KUBERNETES_VERSIONS.map((v) => [v, deploymentOf(synth(exampleFor(v))).spec!.template.spec!.containers[0].image!.split(':')[1]]));
    expect(tags).toEqual({ '1.30': 'v1.30.7', '1.31': 'v1.31.5', '1.32': 'v1.32.7', '1.33': 'v1.33.6', '1.34': 'v1.34.5', '1.35': 'v1.35.2', '1.36': 'v1.36.1' });
  });

  it('labels its objects with the release it deploys', () => {
    const file = renderSite(example, CHARTS).files.find((f) => f.chart === 'cluster-autoscaler')!;
    for (const o of file.objects) expect(o.metadata.labels!['app.kubernetes.io/version']).toBe('v1.33.6');
  });

  it('takes an image override of the same minor', () => {
    const site = loadSiteVariant({ clusterAutoscaler: { image: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5' } });
    expect(deploymentOf(synth(site)).spec!.template.spec!.containers[0].image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5');
  });
});

describe('bad configuration', () => {
  it('rejects an image of another minor', () => {
    expect(() => loadSiteVariant({ clusterAutoscaler: { image: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.28.0' } })).toThrowError(
      /clusterAutoscaler\.image: is a cluster-autoscaler for Kubernetes 1\.28, but kubernetesVersion is 1\.33.*\(got "registry\.k8s\.io\/autoscaling\/cluster-autoscaler:v1\.28\.0"\)/,
    );
  });

  it('requires the IAM role when enabled', () => {
    expect(() => loadSiteVariant({ clusterAutoscaler: { iamRoleArn: null } })).toThrowError(/clusterAutoscaler\.iamRoleArn: is required when the cluster-autoscaler is enabled/);
    expect(() => loadSiteVariant({ clusterAutoscaler: { enabled: false, iamRoleArn: null } })).not.toThrowError();
  });

  it('rejects a malformed role ARN and :latest', () => {
    expect(() => loadSiteVariant({ clusterAutoscaler: { iamRoleArn: 'my-role' } })).toThrowError(SiteConfigError);
    expect(() => loadSiteVariant({ clusterAutoscaler: { iamRoleArn: 'my-role' } })).toThrowError(/clusterAutoscaler\.iamRoleArn: must be an IAM role ARN/);
    expect(() => loadSiteVariant({ clusterAutoscaler: { image: 'registry.k8s.io/autoscaling/cluster-autoscaler:latest' } })).toThrowError(/clusterAutoscaler\.image/);
  });

  it('is off by default', () => {
    const site = loadSiteVariant({ clusterAutoscaler: null });
    expect(site.config.clusterAutoscaler.enabled).toBe(false);
    expect(renderSite(site, CHARTS).files.some((f) => f.chart === 'cluster-autoscaler')).toBe(false);
  });
});
