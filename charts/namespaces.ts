import { Chart } from 'cdk8s';
import type { Namespace } from 'kubernetes-types/core/v1';
import type { Construct } from 'constructs';
import { emit, type Typed } from '../lib/render/k8s';
import { siteNamespaces } from '../lib/model/namespaces';
import type { Site } from '../lib/site/site';

export interface NamespacesChartProps {
  /** The site whose enabled components decide which namespaces exist. */
  readonly site: Site;
}

/**
 * The namespaces of the site's components, each with Pod Security Admission labels: `enforce` at the
 * namespace's level, pinned to the target Kubernetes minor so an upgrade cannot tighten it silently, and
 * `warn`/`audit` at `restricted` so every deviation from the strictest profile stays visible.
 */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, props: NamespacesChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const version = `v${props.site.config.kubernetesVersion}`;
    for (const ns of siteNamespaces(props.site.config)) {
      emit<Typed<Namespace>>(this, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns.name,
          labels: {
            'pod-security.kubernetes.io/enforce': ns.podSecurity,
            'pod-security.kubernetes.io/enforce-version': version,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/warn-version': version,
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/audit-version': version,
          },
          annotations: { 'eks-hybrid-charts/pod-security-reason': ns.reason },
        },
      });
    }
  }
}
