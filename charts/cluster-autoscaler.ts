import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { ServiceAccount } from 'kubernetes-types/core/v1';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import { autoscalerDiscoveryFlag } from '../lib/model/cloud';
import type { SiteConfig } from '../lib/config/schema';
import { imageRef } from '../lib/model/images';
import { emit, type Typed } from '../lib/render/k8s';
import { cloudNodeAffinity } from '../lib/model/placement';
import { imagePullSecretsField } from '../lib/model/pull-secrets';
import { NO_PRIVILEGES_READ_ONLY_ROOT } from '../lib/model/security-context';
import type { Site } from '../lib/site/site';
import { CLUSTER_AUTOSCALER_REPOSITORY, clusterAutoscalerTag } from '../lib/core/versions';

export interface ClusterAutoscalerChartProps {
  /** The site whose `clusterAutoscaler` section and cluster identity are rendered. */
  readonly site: Site;
}

export const CLUSTER_AUTOSCALER_NAME = 'cluster-autoscaler';
const NAMESPACE = 'kube-system';
const METRICS_PORT = 8085;

/** The image the site runs: its override, else the release matching the cluster's minor. */
export function clusterAutoscalerImage(config: SiteConfig): string {
  return config.clusterAutoscaler.image ?? `${CLUSTER_AUTOSCALER_REPOSITORY}:${clusterAutoscalerTag(config.kubernetesVersion)}`;
}

/**
 * Cluster-wide rules of upstream's Helm chart (charts/cluster-autoscaler, clusterrole.yaml) for the AWS
 * provider: `nodes` create/delete are granted there only to the kwok and huaweicloud providers, and
 * `volumeattachments` must be readable from 1.32 on (the autoscaler waits for that informer before its
 * first loop, kubernetes/autoscaler#7663).
 */
const CLUSTER_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['events', 'endpoints'], verbs: ['create', 'patch'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] },
  { apiGroups: [''], resources: ['endpoints'], resourceNames: [CLUSTER_AUTOSCALER_NAME], verbs: ['get', 'update'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['watch', 'list', 'get', 'update'] },
  {
    apiGroups: [''],
    resources: ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'],
    verbs: ['watch', 'list', 'get'],
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['watch', 'list', 'get'] },
  { apiGroups: ['batch', 'extensions'], resources: ['jobs'], verbs: ['get', 'list', 'patch', 'watch'] },
  { apiGroups: ['extensions'], resources: ['replicasets', 'daemonsets'], verbs: ['watch', 'list', 'get'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['watch', 'list'] },
  { apiGroups: ['apps'], resources: ['daemonsets', 'replicasets', 'statefulsets'], verbs: ['watch', 'list', 'get'] },
  {
    apiGroups: ['storage.k8s.io'],
    resources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'],
    verbs: ['watch', 'list', 'get'],
  },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch', 'get'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [CLUSTER_AUTOSCALER_NAME], verbs: ['get', 'update'] },
];

/** kube-system rules of upstream's chart (role.yaml) without the priority expander: its status ConfigMap. */
const NAMESPACE_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
  { apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-autoscaler-status'], verbs: ['delete', 'get', 'update'] },
];

/**
 * cluster-autoscaler with the AWS provider, discovering the cloud Auto Scaling groups by their tags
 * (lib/model/cloud.ts, shared with the eksctl config that sets them). It runs on cloud nodes under IRSA.
 *
 * It cannot scale hybrid nodes: the AWS provider only manages Auto Scaling groups and only understands
 * `aws:///<zone>/<id>` provider IDs, while hybrid nodes are `eks-hybrid:///…` machines in no group.
 */
export class ClusterAutoscalerChart extends Chart {
  constructor(scope: Construct, id: string, props: ClusterAutoscalerChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    const labels = { 'app.kubernetes.io/name': CLUSTER_AUTOSCALER_NAME };
    const subject = { kind: 'ServiceAccount', name: CLUSTER_AUTOSCALER_NAME, namespace: NAMESPACE };
    const roleArn = config.clusterAutoscaler.iamRoleArn;

    emit<Typed<ServiceAccount>>(this, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: CLUSTER_AUTOSCALER_NAME,
        namespace: NAMESPACE,
        labels,
        // The semantic checks require the ARN when the autoscaler is enabled.
        ...(roleArn ? { annotations: { 'eks.amazonaws.com/role-arn': roleArn } } : {}),
      },
    });
    emit<Typed<ClusterRole>>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: CLUSTER_AUTOSCALER_NAME, labels },
      rules: CLUSTER_RULES,
    });
    emit<Typed<ClusterRoleBinding>>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: CLUSTER_AUTOSCALER_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_AUTOSCALER_NAME },
      subjects: [subject],
    });
    emit<Typed<Role>>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: CLUSTER_AUTOSCALER_NAME, namespace: NAMESPACE, labels },
      rules: NAMESPACE_RULES,
    });
    emit<Typed<RoleBinding>>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: CLUSTER_AUTOSCALER_NAME, namespace: NAMESPACE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CLUSTER_AUTOSCALER_NAME },
      subjects: [subject],
    });

    emit<Typed<Deployment>>(this, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: CLUSTER_AUTOSCALER_NAME, namespace: NAMESPACE, labels },
      spec: {
        // One active instance at a time (leader election); a second replica would only wait.
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: CLUSTER_AUTOSCALER_NAME,
            priorityClassName: 'system-cluster-critical',
            affinity: cloudNodeAffinity(),
            ...imagePullSecretsField(config, NAMESPACE),
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: CLUSTER_AUTOSCALER_NAME,
                image: imageRef(config, clusterAutoscalerImage(config)),
                imagePullPolicy: 'IfNotPresent',
                command: ['./cluster-autoscaler'],
                args: [
                  '--cloud-provider=aws',
                  `--namespace=${NAMESPACE}`,
                  `--node-group-auto-discovery=${autoscalerDiscoveryFlag(config)}`,
                  '--expander=least-waste',
                  '--balance-similar-node-groups',
                  // The guide's setting: nodes running kube-system pods (other than DaemonSets) may be scaled down.
                  '--skip-nodes-with-system-pods=false',
                  '--skip-nodes-with-local-storage=false',
                  '--v=4',
                  '--stderrthreshold=info',
                ],
                env: [{ name: 'AWS_REGION', value: config.cluster.region }],
                ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
                livenessProbe: { httpGet: { path: '/health-check', port: 'metrics' }, initialDelaySeconds: 30, periodSeconds: 10 },
                resources: { requests: { cpu: '100m', memory: '600Mi' }, limits: { memory: '600Mi' } },
                securityContext: NO_PRIVILEGES_READ_ONLY_ROOT,
              },
            ],
          },
        },
      },
    });
  }
}
