import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Service } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { imageRef } from '../lib/images';
import { emit, type Typed } from '../lib/k8s';
import { cloudNodeAffinity } from '../lib/placement';
import { imagePullSecretsField } from '../lib/pull-secrets';
import { NO_PRIVILEGES_READ_ONLY_ROOT } from '../lib/security-context';
import type { Site } from '../lib/site';

export interface WebApiChartProps {
  /** The site whose `webApi` section is rendered. */
  readonly site: Site;
}

export const WEB_API_NAME = 'web-api';

/** nginx-unprivileged listens on 8080 (a non-root user cannot bind 80). */
const HTTP_PORT = 8080;

/**
 * The guide's CPU workload, on cloud nodes: nginx behind a ClusterIP Service, at least two replicas
 * spread across nodes, a PodDisruptionBudget, probes, and the restricted Pod Security profile.
 *
 * The guide pins it with `nodeSelector: eks.amazonaws.com/compute-type: ec2`, a value EKS never sets, so
 * its pod would stay Pending; cloud nodes are selected with `compute-type NotIn [hybrid]` instead.
 */
export class WebApiChart extends Chart {
  constructor(scope: Construct, id: string, props: WebApiChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    const { webApi } = config;
    const namespace = webApi.namespace;
    const labels = { 'app.kubernetes.io/name': WEB_API_NAME };

    emit<Typed<Deployment>>(this, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: WEB_API_NAME, namespace, labels },
      spec: {
        replicas: webApi.replicas,
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            affinity: cloudNodeAffinity(),
            // Cloud nodes pull the public image; the secret only matters when a Harbor proxy-cache project serves it.
            ...imagePullSecretsField(config, namespace),
            topologySpreadConstraints: [
              // Hard on nodes: two replicas never share a node while another cloud node can take one.
              // nodeTaintsPolicy Honor: by default nodes whose taints the pod does not tolerate (the cloud GPU
              // group's nvidia.com/gpu) still count as domains with 0 replicas, which pins the minimum at 0 and
              // leaves every replica beyond the number of untainted cloud nodes Pending.
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: labels } },
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: labels } },
            ],
            securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'nginx',
                image: imageRef(config, webApi.image),
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                securityContext: NO_PRIVILEGES_READ_ONLY_ROOT,
                // nginx-unprivileged keeps its pid file and temp paths under /tmp; the rest of the root is read-only.
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    });

    emit<Typed<Service>>(this, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: WEB_API_NAME, namespace, labels },
      spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    });

    emit<Typed<PodDisruptionBudget>>(this, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: WEB_API_NAME, namespace, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    });
  }
}
