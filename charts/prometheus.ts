import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import { emit, type Typed } from '../lib/render/k8s';
import type { Manifest } from '../lib/core/manifest';
import { toYaml } from '../lib/render/site-files';
import {
  DCGM_EXPORTER_POD_LABELS,
  DCGM_METRICS_PORT,
  DRA_PLUGIN_NAMESPACE,
  draPluginScraped,
  harborTarget,
  type HarborComponent,
} from '../lib/model/monitoring';
import type { Site } from '../lib/site/site';

export interface PrometheusChartProps {
  /** The site whose `monitoring` section (and enabled exporters) decide what is scraped. */
  readonly site: Site;
}

/** Name of the Role (in each scraped namespace) that lets Prometheus discover pods there. */
export const DISCOVERY_ROLE = 'prometheus-pod-discovery';

/** One Harbor metrics job: the exporter answers on the bare path, the others are selected with `?comp=`. */
function harborParams(component: HarborComponent): Record<string, string[]> | undefined {
  return component === 'exporter' ? undefined : { comp: [component] };
}

/** A pod-discovery job for one namespace: pods matching `labels`, the declared container port `port` only. */
interface PodJob {
  readonly jobName: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly port: number;
  /** Keep the exporter's own `namespace`/`pod`/`container` labels (they name the workload using the GPU). */
  readonly honorLabels: boolean;
}

function podJobs(site: Site): PodJob[] {
  const { monitoring, dcgmExporter } = site.config;
  const jobs: PodJob[] = [];
  if (draPluginScraped(site.config)) {
    jobs.push({
      jobName: 'nvidia-dra-kubelet-plugin',
      namespace: DRA_PLUGIN_NAMESPACE,
      labels: monitoring.draPlugin.podLabels,
      port: monitoring.draPlugin.port,
      honorLabels: false,
    });
  }
  if (dcgmExporter.enabled) {
    jobs.push({ jobName: 'dcgm-exporter', namespace: dcgmExporter.namespace, labels: DCGM_EXPORTER_POD_LABELS, port: DCGM_METRICS_PORT, honorLabels: true });
  }
  return jobs;
}

/** prometheus.yml for a plain Prometheus: global interval, the Harbor jobs and the pod-discovery jobs. */
export function prometheusYaml(site: Site): string {
  const { monitoring } = site.config;
  const harborJobs = monitoring.harbor.enabled
    ? monitoring.harbor.components.map((component) => {
        const params = harborParams(component);
        return {
          job_name: `harbor-${component}`,
          scheme: monitoring.harbor.scheme,
          metrics_path: monitoring.harbor.path,
          ...(params ? { params } : {}),
          static_configs: [{ targets: [harborTarget(site.config)], labels: { component } }],
        };
      })
    : [];
  const discoveryJobs = podJobs(site).map((job) => ({
    job_name: job.jobName,
    ...(job.honorLabels ? { honor_labels: true } : {}),
    kubernetes_sd_configs: [
      {
        role: 'pod',
        namespaces: { names: [job.namespace] },
        // Filtered by the API server, so Prometheus only watches the pods it scrapes.
        selectors: [{ role: 'pod', label: Object.entries(job.labels).map(([k, v]) => `${k}=${v}`).join(',') }],
      },
    ],
    relabel_configs: [
      // One target per declared container port: keep the metrics port of running pods only.
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(job.port), action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
      ...(job.honorLabels
        ? []
        : [
            { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
            { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          ]),
    ],
  }));
  const config = {
    global: { scrape_interval: monitoring.scrapeInterval },
    scrape_configs: [...harborJobs, ...discoveryJobs],
  };
  return `# Rendered by eks-hybrid-charts from the site's monitoring section; edit the site file, not this.\n${toYaml(config)}`;
}

/**
 * Prometheus scrape configuration in one of two modes. `configMap`: the guide's prometheus.yml ConfigMap
 * for a plain Prometheus, plus a Role/RoleBinding per scraped namespace so its service account may
 * discover pods there (nothing cluster-wide). `operator`: Prometheus Operator objects in the monitoring
 * namespace, one ScrapeConfig per Harbor component (an external target) and a PodMonitor/ServiceMonitor
 * per in-cluster exporter.
 */
export class PrometheusChart extends Chart {
  constructor(scope: Construct, id: string, props: PrometheusChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { site } = props;
    if (site.config.monitoring.mode === 'configMap') this.configMapMode(site);
    else this.operatorMode(site);
  }

  private configMapMode(site: Site): void {
    const { monitoring } = site.config;
    emit<Typed<ConfigMap>>(this, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: monitoring.configMap.name, namespace: monitoring.namespace },
      data: { 'prometheus.yml': prometheusYaml(site) },
    });
    for (const namespace of [...new Set(podJobs(site).map((j) => j.namespace))]) {
      emit<Typed<Role>>(this, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: DISCOVERY_ROLE, namespace },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      });
      emit<Typed<RoleBinding>>(this, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: DISCOVERY_ROLE, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DISCOVERY_ROLE },
        subjects: [{ kind: 'ServiceAccount', name: monitoring.configMap.serviceAccount, namespace: monitoring.namespace }],
      });
    }
  }

  private operatorMode(site: Site): void {
    const { monitoring, dcgmExporter } = site.config;
    const metadata = (name: string) => ({
      name,
      namespace: monitoring.namespace,
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, cdk8s leaves an empty labels map out of the object it writes
      ...(Object.keys(monitoring.operator.labels).length > 0 ? { labels: { ...monitoring.operator.labels } } : {}),
    });
    const nodeLabel = { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' };
    if (monitoring.harbor.enabled) {
      for (const component of monitoring.harbor.components) {
        const params = harborParams(component);
        emit<Manifest>(this, {
          apiVersion: 'monitoring.coreos.com/v1alpha1',
          kind: 'ScrapeConfig',
          metadata: metadata(`harbor-${component}`),
          spec: {
            jobName: `harbor-${component}`,
            scheme: monitoring.harbor.scheme.toUpperCase(),
            metricsPath: monitoring.harbor.path,
            ...(params ? { params } : {}),
            scrapeInterval: monitoring.scrapeInterval,
            staticConfigs: [{ targets: [harborTarget(site.config)], labels: { component } }],
          },
        });
      }
    }
    if (draPluginScraped(site.config)) {
      // The kubelet plugin has no Service upstream, so a PodMonitor selects its pods directly.
      emit<Manifest>(this, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: metadata('nvidia-dra-kubelet-plugin'),
        spec: {
          namespaceSelector: { matchNames: [DRA_PLUGIN_NAMESPACE] },
          selector: { matchLabels: { ...monitoring.draPlugin.podLabels } },
          podMetricsEndpoints: [
            { portNumber: monitoring.draPlugin.port, path: '/metrics', interval: monitoring.scrapeInterval, relabelings: [nodeLabel] },
          ],
        },
      });
    }
    if (dcgmExporter.enabled) {
      emit<Manifest>(this, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: metadata('dcgm-exporter'),
        spec: {
          namespaceSelector: { matchNames: [dcgmExporter.namespace] },
          selector: { matchLabels: { ...DCGM_EXPORTER_POD_LABELS } },
          endpoints: [
            {
              port: 'metrics',
              path: '/metrics',
              interval: monitoring.scrapeInterval,
              // The exporter labels each GPU's series with the namespace/pod/container using it; the
              // operator's target labels of the same names would describe the exporter pod instead.
              honorLabels: true,
              relabelings: [{ action: 'labeldrop', regex: '(namespace|pod|container)' }, nodeLabel],
            },
          ],
        },
      });
    }
  }
}
