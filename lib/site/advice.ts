import { cloudGpuNodeGroups } from '../model/cloud';
import { gpuPools, runsDevicePlugin, runsDraDriver } from '../model/placement';
import { isRecord } from '../core/json';
import { minorOf } from '../core/versions';
import { gpuProperties } from '../config/gpu';
import type { SiteConfig } from '../config/schema';

interface DefaultedSchema {
  readonly default?: unknown;
  readonly properties?: Record<string, DefaultedSchema>;
}

/**
 * What the loader fills in for `schema` when it is left out: its default, with the defaults of its
 * properties applied (undefined for a property without one: the loader leaves it out, and so does JSON.stringify).
 */
function defaultValue(schema: DefaultedSchema): unknown {
  if (!isRecord(schema.default)) return schema.default;
  const nested = Object.entries(schema.properties ?? {}).map(([key, field]) => [key, defaultValue(field)] as const);
  return { ...Object.fromEntries(nested), ...schema.default };
}

/**
 * The fields of a component's section set to something else than their default. Asked only of enabled
 * components, and `enabled` defaults to true, so it is never among them.
 */
function changedSettings(section: 'devicePlugin' | 'draDriver', config: SiteConfig): string[] {
  const defaults = defaultValue(gpuProperties[section]) as Record<string, unknown>;
  const values = config[section] as Record<string, unknown>;
  return Object.keys(defaults).filter((key) => JSON.stringify(values[key]) !== JSON.stringify(defaults[key]));
}

/** Settings that cannot reach the output: the component has nothing to run on, so they are silently ignored. */
function noOpSettings(config: SiteConfig): string[] {
  const advice: string[] = [];
  const idle: [('devicePlugin' | 'draDriver'), boolean, string][] = [
    ['devicePlugin', runsDevicePlugin(config), 'the device plugin does not run on this site (no devicePlugin pool, no cloud node group with NVIDIA instances)'],
    ['draDriver', runsDraDriver(config), 'the DRA driver does not run on this site (no dra pool)'],
  ];
  for (const [section, runs, why] of idle) {
    if (runs || !config[section].enabled) continue;
    for (const key of changedSettings(section, config)) advice.push(`${section}.${key}: set, but ${why}: it has no effect`);
  }
  return advice;
}

/**
 * Warnings about a valid config that will work less well than the user likely expects. Unlike the
 * semantic checks they do not stop the render: each names the field it concerns.
 */
export function configAdvice(config: SiteConfig): string[] {
  const advice: string[] = [];
  const minor = minorOf(config.kubernetesVersion);
  const hybridNodes = config.nodePools.some((p) => p.count > 0);
  if (config.clusterAutoscaler.enabled && hybridNodes && minor < 33) {
    advice.push(
      `clusterAutoscaler.enabled: cluster-autoscaler ${config.kubernetesVersion} stops its whole loop at the first hybrid node ` +
        `("wrong id … eks-hybrid:///", kubernetes/autoscaler#8045, fixed from 1.33); on this version it scales nothing while hybrid nodes are joined`,
    );
  }
  if (gpuPools(config, 'dra').length > 0 && minor < 34) {
    advice.push(
      `nodePools: DRA on Kubernetes ${config.kubernetesVersion} uses the beta resource.k8s.io API and needs the kubelet's DynamicResourceAllocation gate (set in the NodeConfigs); ` +
        `the NVIDIA DRA driver's own docs ask for Kubernetes 1.34.2 or later (its code falls back to resource.k8s.io/v1beta1, so it runs here) and AWS recommends 1.34 or later`,
    );
  }
  const proxied = Object.keys(config.registry.proxyCache);
  if (proxied.length > 0 && !(config.pullSecrets.enabled && config.pullSecrets.includeKubeSystem)) {
    advice.push(
      `registry.proxyCache: images of ${proxied.join(', ')} are pulled through Harbor, also by kube-system pods (device plugin, ` +
        `cluster-autoscaler), which get no pull secret unless pullSecrets.includeKubeSystem is true: make those proxy-cache projects public in Harbor or set it`,
    );
  }
  if (config.monitoring.enabled && config.monitoring.mode === 'operator' && Object.keys(config.monitoring.operator.labels).length === 0) {
    advice.push(
      'monitoring.operator.labels: empty: a Prometheus resource selects ScrapeConfigs, PodMonitors and ServiceMonitors by label ' +
        '(kube-prometheus-stack by release: <its release name>), so without the labels it selects nothing and nothing is scraped',
    );
  }
  config.nodePools.forEach((pool, i) => {
    if (pool.gpu.mode !== 'none' && pool.taints.length === 0) {
      advice.push(
        `nodePools[${i}].taints: GPU pool ${pool.name} has no taint, so pods that need no GPU (harbor-test, your own services) can be ` +
          'scheduled onto its GPU servers and take their CPU and memory; add e.g. {key: nvidia.com/gpu, value: present, effect: NoSchedule}',
      );
    }
  });
  const draPools = gpuPools(config, 'dra');
  if (!config.devicePlugin.enabled && cloudGpuNodeGroups(config).length > 0 && draPools.length > 0) {
    advice.push(
      `devicePlugin.enabled: false, so eksctl installs NVIDIA's static device plugin for the cloud NVIDIA node groups; it has no node selector ` +
        `and tolerates nvidia.com/gpu, so it also lands on dra pool ${draPools.map((p) => p.name).join(', ')} beside the DRA driver (GPUs advertised twice) ` +
        'unless those pools carry another taint: keep devicePlugin.enabled (it then covers the cloud groups and eksctl is told not to install its own)',
    );
  }
  advice.push(...noOpSettings(config));
  return advice;
}

/**
 * The example site's identity: the guide's placeholders and the example's own CA, account and zones. A
 * site that inherits them (`extends: example.yaml`) would install the example CA for another registry,
 * grant the autoscaler role of account 123456789012, forward company.local to the example's servers…
 * while every check passes. Kept here, not read from sites/example.yaml: the product reads no file but
 * the user's; a test checks this list against the example's file.
 */
export const EXAMPLE_IDENTITY = {
  clusterName: 'my-hybrid-cluster',
  registryHostname: 'harbor.yourdomain.com',
  caSubjectCn: 'Example Harbor CA',
  stubZone: 'company.local',
  nfs: { server: '192.168.1.100', path: '/export/data' },
  awsAccount: '123456789012',
  robot: 'robot$k8s-robot',
  secretKey: 'harbor/robot-k8s-robot',
  cloudNodeGroups: [
    { name: 'cpu-nodes', instanceType: 'm5.xlarge' },
    { name: 'gpu-nodes', instanceType: 'g5.xlarge' },
  ],
} as const;

/** Sites named example or example-<…> are the examples themselves. */
export function isExampleSite(config: SiteConfig): boolean {
  return config.name === 'example' || config.name.startsWith('example-');
}

/** One warning per value of the example's identity that a site which is not an example still carries. */
export function exampleValueAdvice(config: SiteConfig, caSubjects: readonly string[]): string[] {
  if (isExampleSite(config)) return [];
  const id = EXAMPLE_IDENTITY;
  const found: [string, string][] = [];
  if (config.cluster.name === id.clusterName) found.push(['cluster.name', id.clusterName]);
  if (config.registry.hostname === id.registryHostname) found.push(['registry.hostname', id.registryHostname]);
  if (caSubjects.some((s) => s.split(/\n|, /).includes(`CN=${id.caSubjectCn}`))) found.push(['registry.caFile', `the example's CA (CN=${id.caSubjectCn})`]);
  config.dns.stubZones.forEach((z, i) => {
    if (z.zone === id.stubZone) found.push([`dns.stubZones[${i}].zone`, id.stubZone]);
  });
  const nfs = config.storage.nfs;
  if (nfs.enabled && nfs.server === id.nfs.server && nfs.path === id.nfs.path) found.push(['storage.nfs', `${nfs.server}:${nfs.path}`]);
  const role = config.clusterAutoscaler.iamRoleArn;
  // Stryker disable next-line OptionalChaining: equivalent, the semantic checks refuse an enabled autoscaler without iamRoleArn
  if (config.clusterAutoscaler.enabled && role?.split(':')[4] === id.awsAccount) found.push(['clusterAutoscaler.iamRoleArn', `account ${id.awsAccount}`]);
  if (config.pullSecrets.enabled && config.pullSecrets.username === id.robot) found.push(['pullSecrets.username', id.robot]);
  if (config.pullSecrets.enabled && config.pullSecrets.externalSecret.key === id.secretKey) found.push(['pullSecrets.externalSecret.key', id.secretKey]);
  const groups = config.cloudNodeGroups.map((g) => `${g.name}/${g.instanceType}`).join(',');
  if (groups === id.cloudNodeGroups.map((g) => `${g.name}/${g.instanceType}`).join(',')) found.push(['cloudNodeGroups', "the example's cpu-nodes and gpu-nodes groups"]);
  return found.map(([path, what]) => `${path}: still the example's value (${what}) on site ${config.name}: set this site's own (see "Overlays" in the README)`);
}
