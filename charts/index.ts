import type { ChartDefinition } from '../lib/render/render';
import { NamespacesChart } from './namespaces';
import { CorednsChart, corednsAddonValues } from './coredns';
import { HarborTestChart } from './harbor-test';
import { RegistryCaTrustChart } from './registry-ca-trust';
import { RegistryCredentialsChart } from './registry-credentials';
import { ClusterAutoscalerChart, clusterAutoscalerImage } from './cluster-autoscaler';
import { DcgmExporterChart } from './dcgm-exporter';
import { PrometheusChart } from './prometheus';
import { WebApiChart } from './web-api';
import { NvidiaRuntimeClassChart } from './nvidia-runtime-class';
import { NvidiaDevicePluginChart, devicePluginVersion } from './nvidia-device-plugin';
import { NvidiaDraDriverChart, draDriverVersion } from './nvidia-dra-driver';
import { DraClaimsChart } from './dra-claims';
import { NfsStorageChart } from './nfs-storage';
import { GpuWorkloadsChart } from './gpu-workloads';
import { imageTag } from '../lib/model/images';
import { nvidiaRuntimeClassRendered, runsDevicePlugin, runsDraDriver } from '../lib/model/placement';

/**
 * Every component of a site, in file order (the two-digit prefix of its file in dist/<site>/). Objects are
 * applied by kind, prerequisites before workloads, whatever file they are in (lib/render/apply-order.ts).
 * 00–09 namespaces and cluster-scoped prerequisites, 10–19 registry and DNS, 20–29 GPU stack,
 * 30–39 storage, 40–49 observability, 50–59 cluster services, 60–69 sample workloads.
 */
export const CHARTS: readonly ChartDefinition[] = [
  {
    id: 'namespaces',
    order: 0,
    component: 'namespaces',
    enabled: () => true,
    build: (scope, id, site) => new NamespacesChart(scope, id, { site }),
  },
  {
    id: 'coredns',
    order: 10,
    component: 'coredns',
    enabled: (site) => site.config.coredns.enabled,
    build: (scope, id, site) => new CorednsChart(scope, id, { site }),
    files: (site) => [corednsAddonValues(site.config)],
    // EKS creates kube-system/coredns; disabling this chart or moving to the add-on must not delete it.
    neverPruned: true,
  },
  {
    id: 'registry-credentials',
    order: 11,
    component: 'registry-credentials',
    enabled: (site) => site.config.pullSecrets.enabled,
    build: (scope, id, site) => new RegistryCredentialsChart(scope, id, { site }),
  },
  {
    id: 'registry-ca-trust',
    order: 12,
    // The component the privilege allowlist grants hostPath (and, with systemTrust, privileged + hostPID).
    component: 'harbor-ca-installer',
    enabled: (site) => site.config.registryCaTrust.enabled,
    build: (scope, id, site) => new RegistryCaTrustChart(scope, id, { site }),
  },
  {
    id: 'nvidia-runtime-class',
    // Just before the GPU stack (20–29) and the DCGM exporter that name it: pods are admitted only if it exists.
    order: 19,
    component: 'nvidia-runtime-class',
    enabled: (site) => nvidiaRuntimeClassRendered(site.config),
    build: (scope, id) => new NvidiaRuntimeClassChart(scope, id),
  },
  {
    id: 'nvidia-device-plugin',
    order: 20,
    // The component the privilege allowlist grants hostPath.
    component: 'nvidia-device-plugin',
    version: (site) => devicePluginVersion(site.config),
    enabled: (site) => runsDevicePlugin(site.config),
    build: (scope, id, site) => new NvidiaDevicePluginChart(scope, id, { site }),
  },
  {
    id: 'nvidia-dra-driver',
    order: 21,
    // The component the privilege allowlist grants privileged + hostPath.
    component: 'nvidia-dra-driver',
    version: (site) => draDriverVersion(site.config),
    enabled: (site) => runsDraDriver(site.config),
    build: (scope, id, site) => new NvidiaDraDriverChart(scope, id, { site }),
  },
  {
    id: 'dra-claims',
    order: 23,
    component: 'dra-claims',
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, the chart renders one object per template, and a chart without objects writes no file (lib/render/render.ts)
    enabled: (site) => site.config.dra.claimTemplates.length > 0,
    build: (scope, id, site) => new DraClaimsChart(scope, id, { site }),
  },
  {
    id: 'nfs-storage',
    order: 30,
    component: 'nfs-storage',
    enabled: (site) => site.config.storage.nfs.enabled,
    build: (scope, id, site) => new NfsStorageChart(scope, id, { site }),
  },
  {
    id: 'prometheus',
    order: 40,
    component: 'prometheus-scrape-config',
    enabled: (site) => site.config.monitoring.enabled,
    build: (scope, id, site) => new PrometheusChart(scope, id, { site }),
  },
  {
    id: 'dcgm-exporter',
    order: 41,
    component: 'dcgm-exporter',
    version: (site) => imageTag(site.config.dcgmExporter.image),
    enabled: (site) => site.config.dcgmExporter.enabled,
    build: (scope, id, site) => new DcgmExporterChart(scope, id, { site }),
  },
  {
    id: 'cluster-autoscaler',
    order: 50,
    component: 'cluster-autoscaler',
    version: (site) => imageTag(clusterAutoscalerImage(site.config)),
    enabled: (site) => site.config.clusterAutoscaler.enabled,
    build: (scope, id, site) => new ClusterAutoscalerChart(scope, id, { site }),
  },
  {
    id: 'gpu-workloads',
    order: 60,
    component: 'gpu-workloads',
    enabled: (site) => Object.values(site.config.samples).some((sample) => sample.enabled),
    build: (scope, id, site) => new GpuWorkloadsChart(scope, id, { site }),
  },
  {
    id: 'web-api',
    order: 61,
    component: 'web-api',
    version: (site) => imageTag(site.config.webApi.image),
    enabled: (site) => site.config.webApi.enabled,
    build: (scope, id, site) => new WebApiChart(scope, id, { site }),
  },
  {
    id: 'harbor-test',
    order: 62,
    component: 'harbor-test',
    version: (site) => imageTag(site.config.harborTest.image),
    enabled: (site) => site.config.harborTest.enabled,
    build: (scope, id, site) => new HarborTestChart(scope, id, { site }),
  },
];
