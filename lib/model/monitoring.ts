import type { SiteConfig } from '../config/schema';
import type { HARBOR_METRIC_COMPONENTS } from '../config/observability';
import { DRA_DRIVER_NAMESPACE } from './namespaces';
import { runsDraDriver } from './placement';

/**
 * What the scrape configuration (charts/prometheus.ts) and the exporters it scrapes
 * (charts/dcgm-exporter.ts) must agree on, so neither chart repeats the other's literals.
 */

export type HarborComponent = (typeof HARBOR_METRIC_COMPONENTS)[number];

/** Pod labels of the DCGM exporter: its DaemonSet selector, its Service selector and the scrape selectors. */
export const DCGM_EXPORTER_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'dcgm-exporter' };

/** DCGM exporter metrics port (upstream default, `DCGM_EXPORTER_LISTEN=":9400"`), path /metrics. */
export const DCGM_METRICS_PORT = 9400;

/** `host:port` of Harbor's metrics endpoint. */
export function harborTarget(config: SiteConfig): string {
  return `${config.registry.hostname}:${config.monitoring.harbor.port}`;
}

/** The DRA kubelet plugin is scraped when it is wanted and the site renders the driver. */
export function draPluginScraped(config: SiteConfig): boolean {
  return config.monitoring.draPlugin.enabled && runsDraDriver(config);
}

/** Namespace of the DRA kubelet plugin pods (the driver chart's namespace). */
export const DRA_PLUGIN_NAMESPACE = DRA_DRIVER_NAMESPACE;
