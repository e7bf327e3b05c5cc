import type { ChartDefinition } from '../lib/render';
import { NamespacesChart } from './namespaces';

/**
 * Every component of a site, in apply order (the two-digit prefix of its file in dist/<site>/).
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
];
