import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import type { SecurityContext, Service, ServiceAccount } from 'kubernetes-types/core/v1';
import { imageRef } from '../lib/model/images';
import { emit, type Typed } from '../lib/render/k8s';
import { COMPONENT_LABEL } from '../lib/core/labels';
import { DCGM_EXPORTER_POD_LABELS, DCGM_METRICS_PORT } from '../lib/model/monitoring';
import { COMPUTE_TYPE_LABEL, gpuPools, HYBRID, nvidiaRuntimeClassField, POOL_LABEL, poolTolerations } from '../lib/model/placement';
import { imagePullSecretsField } from '../lib/model/pull-secrets';
import { NO_PRIVILEGES } from '../lib/model/security-context';
import type { Site } from '../lib/site/site';

export interface DcgmExporterChartProps {
  /** The site whose GPU pools the exporter runs on. */
  readonly site: Site;
}

export const DCGM_EXPORTER_NAME = 'dcgm-exporter';

/** Where the kubelet serves the pod-resources API the exporter maps GPUs to pods with. */
const POD_RESOURCES_DIR = '/var/lib/kubelet/pod-resources';

/**
 * NVIDIA DCGM exporter on every GPU pool (device plugin and DRA alike): a DaemonSet exporting GPU
 * metrics on :9400 and a Service in front of it, as upstream's static manifest does.
 *
 * The exporter requests no `nvidia.com/gpu` (it must see every GPU without taking one from workloads):
 * it runs with the NVIDIA runtime (RuntimeClass `nvidia` whenever the site renders it, which it always does
 * with a dra pool, where that runtime is never containerd's default; else the devicePlugin pools' default
 * runtime) and NVIDIA_VISIBLE_DEVICES=all, which that runtime turns into every GPU of the node.
 * It reads the kubelet pod-resources socket to label each GPU's series with the pod using it (device
 * plugin GPUs; DRA claims are not mapped yet), and adds CAP_SYS_ADMIN for the profiling metrics. It is
 * not a privileged container.
 */
export class DcgmExporterChart extends Chart {
  constructor(scope: Construct, id: string, props: DcgmExporterChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    const { dcgmExporter } = config;
    const namespace = dcgmExporter.namespace;
    const pools = gpuPools(config);
    const labels = { ...DCGM_EXPORTER_POD_LABELS };

    emit<Typed<ServiceAccount>>(this, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: DCGM_EXPORTER_NAME, namespace },
      // The pod-resources socket is all it reads; it never talks to the API server.
      automountServiceAccountToken: false,
    });

    const securityContext: SecurityContext = dcgmExporter.profilingMetrics
      ? // allowPrivilegeEscalation stays unset, as upstream: SYS_ADMIN allows escalation anyway, and the API
        // server rejects `false` next to the capability spelled CAP_SYS_ADMIN (kube-apiserver 1.34, checked).
        { runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } }
      : { ...NO_PRIVILEGES, runAsUser: 0, runAsNonRoot: false };

    emit<Typed<DaemonSet>>(this, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: DCGM_EXPORTER_NAME, namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { ...labels, [COMPONENT_LABEL]: 'dcgm-exporter' } },
          spec: {
            serviceAccountName: DCGM_EXPORTER_NAME,
            automountServiceAccountToken: false,
            priorityClassName: 'system-node-critical',
            // Rendered whenever some GPU pool does not run nvidia-container-runtime by default (always with a dra
            // pool); every GPU pool defines the handler, so the name works on each pool this DaemonSet covers.
            ...nvidiaRuntimeClassField(config),
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: COMPUTE_TYPE_LABEL, operator: 'In', values: [HYBRID] },
                        { key: POOL_LABEL, operator: 'In', values: pools.map((p) => p.name) },
                      ],
                    },
                  ],
                },
              },
            },
            tolerations: poolTolerations(pools),
            ...imagePullSecretsField(config, namespace),
            containers: [
              {
                name: 'exporter',
                image: imageRef(config, dcgmExporter.image),
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'DCGM_EXPORTER_LISTEN', value: `:${DCGM_METRICS_PORT}` },
                  { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
                  { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' },
                ],
                ports: [{ name: 'metrics', containerPort: DCGM_METRICS_PORT, protocol: 'TCP' }],
                // DCGM needs a while to attach to the GPUs before /health answers.
                readinessProbe: { httpGet: { path: '/health', port: DCGM_METRICS_PORT }, initialDelaySeconds: 45, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/health', port: DCGM_METRICS_PORT }, initialDelaySeconds: 45, periodSeconds: 10, failureThreshold: 6 },
                // The embedded DCGM host engine (native memory, outside Go's GC) plus the Go exporter sit at
                // 400-500 MiB even on one-GPU nodes, and peak higher on 8-GPU servers: upstream's 128/256 MiB
                // OOM-loops (NVIDIA/dcgm-exporter#609; aws-observability/helm-charts#61: 250 Mi killed every
                // ~10 min on 8-GPU p4d; 8-GPU fleets still OOM at 512 Mi). Request the steady state, cap at 1 GiB.
                resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '1Gi' } },
                securityContext,
                volumeMounts: [{ name: 'pod-resources', mountPath: POD_RESOURCES_DIR, readOnly: true }],
              },
            ],
            volumes: [{ name: 'pod-resources', hostPath: { path: POD_RESOURCES_DIR, type: 'Directory' } }],
          },
        },
      },
    });

    emit<Typed<Service>>(this, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: DCGM_EXPORTER_NAME, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'metrics', port: DCGM_METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
      },
    });
  }
}
