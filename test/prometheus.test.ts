import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS } from '../charts';
import { PrometheusChart } from '../charts/prometheus';
import type { Manifest } from '../lib/core/manifest';
import { validationContext } from '../lib/pipeline/pipeline';
import { renderSite } from '../lib/render/render';
import { loadSite, type Site } from '../lib/site/site';
import { validateFiles } from '../lib/validate/validator';
import { loadSiteVariant } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

interface ScrapeJob {
  job_name: string;
  params?: Record<string, string[]>;
  scheme?: string;
  metrics_path?: string;
  honor_labels?: boolean;
  static_configs?: { targets: string[] }[];
  kubernetes_sd_configs?: { role: string; namespaces: { names: string[] }; selectors: { role: string; label: string }[] }[];
  relabel_configs?: { source_labels?: string[]; regex?: string; action?: string; target_label?: string }[];
}

function synth(site: Site): Manifest[] {
  return Testing.synth(new PrometheusChart(Testing.app(), 'prometheus', { site })) as Manifest[];
}

function allObjects(site: Site): Manifest[] {
  return renderSite(site, CHARTS).files.flatMap((f) => [...f.objects]);
}

function prometheusYml(objects: Manifest[]): { global: { scrape_interval: string }; scrape_configs: ScrapeJob[] } {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config') as Manifest & { data: Record<string, string> };
  return parse(cm.data['prometheus.yml']);
}

function podTemplateLabels(object: Manifest): Record<string, string> {
  return ((object.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels);
}

function selectorOf(job: ScrapeJob): Record<string, string> {
  const label = job.kubernetes_sd_configs![0].selectors[0].label;
  return Object.fromEntries(label.split(',').map((kv) => kv.split('=') as [string, string]));
}

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});
let operator!: ReturnType<typeof loadSite>;
setUp(() => {
  operator = loadSite('sites/example-operator.yaml');
});

describe('prometheus chart, configMap mode (example site)', () => {
  let objects!: ReturnType<typeof synth>;
  let yml!: ReturnType<typeof prometheusYml>;
  let jobs!: Map<string, ReturnType<typeof prometheusYml>['scrape_configs'][number]>;
  setUp(() => {
    objects = synth(example);
    yml = prometheusYml(objects);
    jobs = new Map(yml.scrape_configs.map((j) => [j.job_name, j]));
  });

  it('renders the ConfigMap and per-namespace discovery RBAC, and no operator objects', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toMatchSnapshot();
    expect(objects.some((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toBe(false);
    expect(objects[0].metadata.namespace).toBe('monitoring');
  });

  it('uses the guide interval and one Harbor job per component on the metrics port', () => {
    expect(yml.global.scrape_interval).toBe('15s');
    for (const component of ['exporter', 'core', 'registry', 'jobservice']) {
      const job = jobs.get(`harbor-${component}`);
      expect(job, component).toBeDefined();
      expect(job!.static_configs![0].targets).toEqual(['harbor.yourdomain.com:9090']);
      expect(job!.metrics_path).toBe('/metrics');
      expect(job!.scheme).toBe('http');
      // Harbor serves the exporter on the bare path and the others with ?comp=<name>.
      expect(job!.params).toEqual(component === 'exporter' ? undefined : { comp: [component] });
    }
  });

  it('discovers the DCGM exporter pods by the labels and port its DaemonSet really has', () => {
    const job = jobs.get('dcgm-exporter')!;
    const daemonSet = allObjects(example).find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'dcgm-exporter')!;
    expect(job.kubernetes_sd_configs![0].namespaces.names).toEqual([daemonSet.metadata.namespace]);
    expect(podTemplateLabels(daemonSet)).toMatchObject(selectorOf(job));
    const keep = job.relabel_configs!.find((r) => r.source_labels?.[0] === '__meta_kubernetes_pod_container_port_number')!;
    const ports = (daemonSet.spec as { template: { spec: { containers: { ports: { containerPort: number }[] }[] } } }).template.spec.containers[0].ports;
    expect(ports.map((p) => String(p.containerPort))).toContain(keep.regex);
    // The exporter's namespace/pod labels name the workload using each GPU: they must win.
    expect(job.honor_labels).toBe(true);
    expect(job.relabel_configs!.some((r) => r.target_label === 'pod')).toBe(false);
  });

  it('discovers the DRA kubelet plugin pods by the labels its DaemonSet really has', () => {
    const job = jobs.get('nvidia-dra-kubelet-plugin')!;
    expect(job).toBeDefined();
    const plugin = allObjects(example).find((o) => o.kind === 'DaemonSet' && o.metadata.namespace === 'nvidia-dra-driver-gpu');
    expect(plugin, 'the example renders the DRA kubelet plugin').toBeDefined();
    expect(job.kubernetes_sd_configs![0].namespaces.names).toEqual([plugin!.metadata.namespace]);
    expect(podTemplateLabels(plugin!)).toMatchObject(selectorOf(job));
  });

  it('grants the Prometheus service account pod discovery only in the scraped namespaces', () => {
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['dcgm-exporter', 'nvidia-dra-driver-gpu']);
    for (const role of roles) expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    for (const binding of objects.filter((o) => o.kind === 'RoleBinding')) {
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
    }
    expect(objects.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toBe(false);
  });

  it('leaves out the jobs of disabled parts', () => {
    const site = loadSiteVariant({
      monitoring: { harbor: { components: ['core'], port: 8001 }, draPlugin: { enabled: false } },
      dcgmExporter: { enabled: false },
    });
    const names = prometheusYml(synth(site)).scrape_configs.map((j) => j.job_name);
    expect(names).toEqual(['harbor-core']);
    expect(prometheusYml(synth(site)).scrape_configs[0].static_configs![0].targets).toEqual(['harbor.yourdomain.com:8001']);
    expect(synth(site).filter((o) => o.kind === 'Role')).toEqual([]);
  });
});

describe('prometheus chart, operator mode (example-operator site)', () => {
  let objects!: ReturnType<typeof synth>;
  setUp(() => {
    objects = synth(operator);
  });
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('renders ScrapeConfig, PodMonitor and ServiceMonitor in the monitoring namespace, and no ConfigMap', () => {
    expect(objects).toMatchSnapshot();
    expect(byKind('ConfigMap')).toEqual([]);
    expect(byKind('Role')).toEqual([]);
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('monitoring');
      expect(o.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
    }
  });

  it('scrapes Harbor as an external target, one ScrapeConfig per component', () => {
    const scrapeConfigs = byKind('ScrapeConfig');
    expect(scrapeConfigs.map((o) => o.apiVersion)).toEqual(Array(4).fill('monitoring.coreos.com/v1alpha1'));
    const core = scrapeConfigs.find((o) => o.metadata.name === 'harbor-core')!.spec as Record<string, unknown>;
    expect(core).toMatchObject({
      scheme: 'HTTP',
      metricsPath: '/metrics',
      params: { comp: ['core'] },
      scrapeInterval: '15s',
      staticConfigs: [{ targets: ['harbor.yourdomain.com:9090'] }],
    });
  });

  it('selects the DCGM Service by its labels and named port, keeping the exporter\'s pod labels', () => {
    const monitor = byKind('ServiceMonitor')[0];
    const spec = monitor.spec as { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; endpoints: { port: string; honorLabels: boolean }[] };
    const service = allObjects(operator).find((o) => o.kind === 'Service' && o.metadata.name === 'dcgm-exporter')!;
    expect(spec.namespaceSelector.matchNames).toEqual([service.metadata.namespace]);
    expect(service.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect((service.spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toContain(spec.endpoints[0].port);
    expect(spec.endpoints[0].honorLabels).toBe(true);
  });

  it('selects the DRA kubelet plugin pods with a PodMonitor', () => {
    const spec = byKind('PodMonitor')[0].spec as { namespaceSelector: { matchNames: string[] }; podMetricsEndpoints: { portNumber: number; path: string }[] };
    expect(spec.namespaceSelector.matchNames).toEqual(['nvidia-dra-driver-gpu']);
    expect(spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 8080, path: '/metrics' });
  });
});

describe('switching monitoring.mode', () => {
  it('changes only the scrape configuration file', () => {
    const a = renderSite(example, CHARTS).files;
    const b = renderSite(operator, CHARTS).files;
    const kinds = (files: typeof a) => [...new Set(files.find((f) => f.chart === 'prometheus')!.objects.map((o) => `${o.apiVersion} ${o.kind}`))].sort();
    expect(kinds(a)).toEqual(['rbac.authorization.k8s.io/v1 Role', 'rbac.authorization.k8s.io/v1 RoleBinding', 'v1 ConfigMap']);
    expect(kinds(b)).toEqual(['monitoring.coreos.com/v1 PodMonitor', 'monitoring.coreos.com/v1 ServiceMonitor', 'monitoring.coreos.com/v1alpha1 ScrapeConfig']);
    // Everything else is the same (the site name aside).
    const rest = (files: typeof a) => files.filter((f) => f.chart !== 'prometheus').map((f) => JSON.stringify(f.objects).replaceAll('example-operator', 'example'));
    expect(rest(b)).toEqual(rest(a));
  });

  it('renders nothing with monitoring disabled', () => {
    const site = loadSiteVariant({ monitoring: { enabled: false } });
    expect(renderSite(site, CHARTS).files.some((f) => f.chart === 'prometheus')).toBe(false);
  });
});

describe('strict validation', () => {
  it.each(['example', 'example-operator'])('%s: no finding in the whole site (custom resources against their CRD schemas)', (name) => {
    const site = name === 'example' ? example : operator;
    expect(validateFiles(renderSite(site, CHARTS).files, validationContext(site))).toEqual([]);
  });

  it('a wrong operator field is caught by the CRD schema', () => {
    const files = renderSite(operator, CHARTS).files.map((f) =>
      f.chart !== 'prometheus'
        ? f
        : { ...f, objects: f.objects.map((o) => (o.kind === 'ScrapeConfig' ? { ...o, spec: { ...(o.spec as object), scheme: 'http' } } : o)) },
    );
    const findings = validateFiles(files, validationContext(operator));
    expect(findings.some((f) => f.check === 'schema' && f.object.startsWith('ScrapeConfig') && f.field === 'spec.scheme')).toBe(true);
  });
});

describe('bad monitoring configuration', () => {
  it('names the field of an invalid operator label, an empty DRA selector and an unknown mode', () => {
    expect(() => loadSiteVariant({ monitoring: { mode: 'operator', operator: { labels: { 'bad label': 'x' } } } })).toThrowError(
      /monitoring\.operator\.labels\["bad label"\]: label key name must be/,
    );
    expect(() => loadSiteVariant({ monitoring: { draPlugin: { podLabels: {} } } })).toThrowError(/monitoring\.draPlugin\.podLabels: must name at least one label/);
    expect(() => loadSiteVariant({ monitoring: { mode: 'servicemonitor' } })).toThrowError(/monitoring\.mode: must be one of configMap, operator/);
    expect(() => loadSiteVariant({ monitoring: { scrapeInterval: '15 seconds' } })).toThrowError(/monitoring\.scrapeInterval: must be a Prometheus duration/);
  });
});

describe('prometheus relabel rules and Harbor options reaching the output (issue 21)', () => {
  it('keeps only running pods on the metrics port, then labels the node (and namespace/pod unless honoured)', () => {
    const jobs = new Map(prometheusYml(synth(example)).scrape_configs.map((j) => [j.job_name, j]));
    expect(jobs.get('dcgm-exporter')!.relabel_configs).toEqual([
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: '9400', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
    ]);
    expect(jobs.get('nvidia-dra-kubelet-plugin')!.relabel_configs).toEqual([
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: '8080', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ]);
  });

  it('scrapes Harbor on the configured metrics path in both modes', () => {
    const harbor = { harbor: { path: '/harbor/metrics' } };
    const yml = prometheusYml(synth(loadSiteVariant({ monitoring: harbor })));
    const harborJobs = yml.scrape_configs.filter((j) => j.job_name.startsWith('harbor-'));
    expect(harborJobs).toHaveLength(4);
    for (const job of harborJobs) expect(job.metrics_path, job.job_name).toBe('/harbor/metrics');
    const scrapeConfigs = synth(loadSiteVariant({ monitoring: { mode: 'operator', ...harbor } })).filter((o) => o.kind === 'ScrapeConfig');
    expect(scrapeConfigs).toHaveLength(4);
    for (const o of scrapeConfigs) expect((o.spec as { metricsPath: string }).metricsPath, o.metadata.name).toBe('/harbor/metrics');
  });
});

describe('prometheus: every object spelled out, and every switch reaching the output', () => {
  const NODE = { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' };

  it('configMap mode: Harbor jobs carry their component label, discovery is by pod role and label selector, bindings name the Role', () => {
    const objects = synth(example);
    const jobs = new Map(prometheusYml(objects).scrape_configs.map((j) => [j.job_name, j]));
    expect(jobs.get('harbor-core')!.static_configs).toEqual([{ targets: ['harbor.yourdomain.com:9090'], labels: { component: 'core' } }]);
    expect(jobs.get('dcgm-exporter')!.kubernetes_sd_configs).toEqual([
      { role: 'pod', namespaces: { names: ['dcgm-exporter'] }, selectors: [{ role: 'pod', label: 'app.kubernetes.io/name=dcgm-exporter' }] },
    ]);
    const bindings = objects.filter((o) => o.kind === 'RoleBinding');
    expect(bindings).toHaveLength(2);
    for (const b of bindings) {
      expect((b as unknown as { roleRef: unknown }).roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'prometheus-pod-discovery' });
      expect(objects.some((o) => o.kind === 'Role' && o.metadata.name === 'prometheus-pod-discovery' && o.metadata.namespace === b.metadata.namespace)).toBe(true);
    }
  });

  it('configMap mode: a selector of several pod labels is one comma-separated label selector', () => {
    const site = loadSiteVariant({ monitoring: { draPlugin: { podLabels: { app: 'dra-plugin', tier: 'gpu' } } } });
    const job = prometheusYml(synth(site)).scrape_configs.find((j) => j.job_name === 'nvidia-dra-kubelet-plugin')!;
    expect(job.kubernetes_sd_configs![0].selectors).toEqual([{ role: 'pod', label: 'app=dra-plugin,tier=gpu' }]);
  });

  it('configMap mode without Harbor scraping: no Harbor job', () => {
    const names = prometheusYml(synth(loadSiteVariant({ monitoring: { harbor: { enabled: false } } }))).scrape_configs.map((j) => j.job_name);
    expect(names).toEqual(['nvidia-dra-kubelet-plugin', 'dcgm-exporter']);
  });

  it('operator mode: the exact ScrapeConfig, PodMonitor and ServiceMonitor of the example-operator site', () => {
    const objects = synth(operator);
    const meta = (name: string) => ({ name, namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    expect(objects.find((o) => o.metadata.name === 'harbor-core')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'ScrapeConfig',
      metadata: meta('harbor-core'),
      spec: {
        jobName: 'harbor-core',
        scheme: 'HTTP',
        metricsPath: '/metrics',
        params: { comp: ['core'] },
        scrapeInterval: '15s',
        staticConfigs: [{ targets: ['harbor.yourdomain.com:9090'], labels: { component: 'core' } }],
      },
    });
    expect(objects.filter((o) => o.kind === 'PodMonitor')).toEqual([
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: meta('nvidia-dra-kubelet-plugin'),
        spec: {
          namespaceSelector: { matchNames: ['nvidia-dra-driver-gpu'] },
          selector: { matchLabels: { 'dra-driver-nvidia-gpu-component': 'kubelet-plugin' } },
          podMetricsEndpoints: [{ portNumber: 8080, path: '/metrics', interval: '15s', relabelings: [NODE] }],
        },
      },
    ]);
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: meta('dcgm-exporter'),
        spec: {
          namespaceSelector: { matchNames: ['dcgm-exporter'] },
          selector: { matchLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' } },
          endpoints: [
            { port: 'metrics', path: '/metrics', interval: '15s', honorLabels: true, relabelings: [{ action: 'labeldrop', regex: '(namespace|pod|container)' }, NODE] },
          ],
        },
      },
    ]);
  });

  it('operator mode follows the config: no labels when none are set, the DRA plugin selector and port, parts switched off', () => {
    const unlabelled = synth(loadSiteVariant({ monitoring: { mode: 'operator', operator: { labels: {} } } }));
    for (const o of unlabelled) expect(o.metadata, o.metadata.name).not.toHaveProperty('labels');
    const plugin = synth(loadSiteVariant({ monitoring: { mode: 'operator', draPlugin: { podLabels: { app: 'dra-plugin' }, port: 9090 } } })).find((o) => o.kind === 'PodMonitor')!;
    const spec = plugin.spec as { selector: unknown; podMetricsEndpoints: { portNumber: number }[] };
    expect(spec.selector).toEqual({ matchLabels: { app: 'dra-plugin' } });
    expect(spec.podMetricsEndpoints.map((e) => e.portNumber)).toEqual([9090]);
    const kinds = (overrides: object) => synth(loadSiteVariant({ monitoring: { mode: 'operator', ...overrides } })).map((o) => o.kind);
    expect(kinds({ harbor: { enabled: false } })).toEqual(['PodMonitor', 'ServiceMonitor']);
    expect(kinds({ draPlugin: { enabled: false } })).not.toContain('PodMonitor');
    expect(synth(loadSiteVariant({ monitoring: { mode: 'operator' }, dcgmExporter: { enabled: false } })).map((o) => o.kind)).not.toContain('ServiceMonitor');
  });
});
