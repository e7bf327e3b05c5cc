import { Type } from '@sinclair/typebox';
import { DnsLabel, ERROR_KEYWORD, Image, LabelMap, Section } from './common';

export const MONITORING_MODES = ['configMap', 'operator'] as const;

/** The metric components Harbor 2.x serves on its metrics port (`exporter` without `comp`, the rest with `?comp=`). */
export const HARBOR_METRIC_COMPONENTS = ['exporter', 'core', 'registry', 'jobservice'] as const;

/** Prometheus duration such as 15s, 1m or 1m30s. */
function Duration(defaultValue: string, description: string) {
  return Type.String({
    default: defaultValue,
    pattern: '^((\\d+)h)?((\\d+)m)?((\\d+)s)?$',
    minLength: 2,
    description,
    [ERROR_KEYWORD]: 'must be a Prometheus duration such as 15s, 1m or 1m30s',
  });
}

function Port(defaultValue: number, description: string) {
  return Type.Integer({ minimum: 1, maximum: 65535, default: defaultValue, description, [ERROR_KEYWORD]: 'must be a TCP port, 1-65535' });
}

/** Monitoring, cloud-side workloads and cluster-autoscaler. */
export const observabilityProperties = {
  monitoring: Section(
    {
      enabled: Type.Boolean({ default: true, description: 'Render the Prometheus scrape configuration.' }),
      mode: Type.Union(
        MONITORING_MODES.map((m) => Type.Literal(m)),
        {
          default: 'configMap',
          description:
            'configMap: a prometheus.yml ConfigMap for a plain Prometheus (plus the RBAC its Kubernetes service discovery needs); operator: Prometheus Operator ScrapeConfig/PodMonitor/ServiceMonitor objects (needs the operator CRDs).',
          [ERROR_KEYWORD]: `must be one of ${MONITORING_MODES.join(', ')}`,
        },
      ),
      namespace: DnsLabel({ default: 'monitoring', description: 'Namespace of the scrape configuration objects (where Prometheus runs).' }),
      scrapeInterval: Duration('15s', 'Global scrape interval (the guide: 15s).'),
      configMap: Section(
        {
          name: DnsLabel({ default: 'prometheus-config', description: 'Name of the ConfigMap holding prometheus.yml (the guide\'s name).' }),
          serviceAccount: DnsLabel({
            default: 'prometheus',
            description: 'Service account of the Prometheus server in the monitoring namespace; it is granted read access to pods for Kubernetes service discovery.',
          }),
        },
        { description: 'Settings of the configMap mode.' },
      ),
      operator: Section(
        {
          labels: LabelMap({
            description: 'Labels put on the operator objects so the Prometheus resource selects them, e.g. {"release": "kube-prometheus-stack"}.',
          }),
        },
        { description: 'Settings of the operator mode.' },
      ),
      harbor: Section(
        {
          enabled: Type.Boolean({ default: true, description: 'Scrape the Harbor registry (registry.hostname) from outside the cluster.' }),
          port: Port(9090, 'Harbor metrics port (harbor.yml `metric.port`; 9090 for the installer, 8001 for the Helm chart).'),
          path: Type.String({ default: '/metrics', pattern: '^/', description: 'Harbor metrics path (harbor.yml `metric.path`).', [ERROR_KEYWORD]: 'must be a path starting with /' }),
          scheme: Type.Union([Type.Literal('http'), Type.Literal('https')], {
            default: 'http',
            description: 'Scheme of the metrics endpoint (the harbor.yml installer serves metrics over plain HTTP).',
            [ERROR_KEYWORD]: 'must be http or https',
          }),
          components: Type.Array(
            Type.Union(
              HARBOR_METRIC_COMPONENTS.map((c) => Type.Literal(c)),
              { [ERROR_KEYWORD]: `must be one of ${HARBOR_METRIC_COMPONENTS.join(', ')}` },
            ),
            { default: [...HARBOR_METRIC_COMPONENTS], minItems: 1, uniqueItems: true, description: 'Harbor components to scrape, one job each.' },
          ),
        },
        { description: 'The Harbor scrape jobs.' },
      ),
      draPlugin: Section(
        {
          enabled: Type.Boolean({
            default: true,
            description: 'Scrape the NVIDIA DRA kubelet plugin (when the site renders the DRA driver, i.e. some pool has gpu.mode dra).',
          }),
          podLabels: LabelMap({
            default: { 'dra-driver-nvidia-gpu-component': 'kubelet-plugin' },
            description: 'Labels that select the kubelet-plugin pods (the driver chart\'s selector label).',
          }),
          port: Port(8080, 'Metrics port of the gpus kubelet-plugin container (path /metrics); scraped only where the container declares it.'),
        },
        { description: 'The DRA kubelet plugin scrape job.' },
      ),
    },
    { description: 'Prometheus scrape configuration for Harbor, the DRA kubelet plugin and the DCGM exporter.' },
  ),
  dcgmExporter: Section(
    {
      enabled: Type.Boolean({ default: false, description: 'Render the NVIDIA DCGM exporter DaemonSet on every GPU pool.' }),
      namespace: DnsLabel({ default: 'dcgm-exporter', description: 'Namespace of the exporter (Pod Security level privileged: hostPath and CAP_SYS_ADMIN).' }),
      image: Image('nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless', 'DCGM exporter image (tag <DCGM version>-<exporter version>).'),
      profilingMetrics: Type.Boolean({
        default: true,
        description: 'Add CAP_SYS_ADMIN, which DCGM needs for the profiling metrics (DCGM_FI_PROF_*), as upstream does.',
      }),
    },
    { description: 'NVIDIA DCGM exporter (GPU metrics on :9400).' },
  ),
  webApi: Section(
    {
      enabled: Type.Boolean({ default: false, description: 'Render the sample web-api (nginx) on cloud nodes.' }),
      namespace: DnsLabel({ default: 'web', description: 'Namespace of the web-api.' }),
      image: Image('nginxinc/nginx-unprivileged:1.28.3-alpine', 'nginx image that runs as a non-root user on port 8080.'),
      replicas: Type.Integer({
        minimum: 2,
        maximum: 1000,
        default: 2,
        description: 'Replicas, spread across nodes; at least 2 so the PodDisruptionBudget lets a node drain.',
        [ERROR_KEYWORD]: 'must be an integer of at least 2 (one replica and a PodDisruptionBudget would block every node drain)',
      }),
    },
    { description: 'Sample CPU workload on cloud nodes (the guide\'s web-api).' },
  ),
  clusterAutoscaler: Section(
    {
      enabled: Type.Boolean({ default: false, description: 'Render cluster-autoscaler for the cloud Auto Scaling groups (it cannot scale hybrid nodes).' }),
      iamRoleArn: Type.Optional(
        Type.String({
          pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
          description: 'IAM role for the autoscaler service account (IRSA annotation eks.amazonaws.com/role-arn). Required when enabled.',
          [ERROR_KEYWORD]: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/cluster-autoscaler',
        }),
      ),
      image: Type.Optional(
        Type.String({
          pattern: '^[a-z0-9][a-z0-9._/:-]*[a-z0-9](:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$',
          not: { pattern: ':latest$' },
          description: 'Override of the image; by default the release matching kubernetesVersion (registry.k8s.io/autoscaling/cluster-autoscaler:v1.<minor>.<patch>).',
          [ERROR_KEYWORD]: 'must be an image pinned to a tag or digest (never :latest)',
        }),
      ),
    },
    { description: 'cluster-autoscaler (AWS provider, ASG auto-discovery).' },
  ),
};
