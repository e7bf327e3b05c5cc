import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { claimRequest, resourceClaimTemplate } from '../lib/model/dra';
import { emit } from '../lib/render/k8s';
import { WORKLOADS_NAMESPACE } from '../lib/model/namespaces';
import type { Site } from '../lib/site/site';

export interface DraClaimsChartProps {
  /** The site whose `dra.claimTemplates` are rendered. */
  readonly site: Site;
}

/**
 * ResourceClaimTemplates for DRA workloads, one per `dra.claimTemplates` entry, in the workloads
 * namespace. The typed options (count, minimum memory, product name, CUDA version, MIG profile) become
 * CEL selectors over the NVIDIA driver's device attributes; the request shape follows the target minor.
 */
export class DraClaimsChart extends Chart {
  constructor(scope: Construct, id: string, props: DraClaimsChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    for (const template of config.dra.claimTemplates) {
      emit(
        this,
        resourceClaimTemplate(config.kubernetesVersion, {
          name: template.name,
          namespace: WORKLOADS_NAMESPACE,
          request: claimRequest(template),
          claimLabels: { 'eks-hybrid-charts/claim-template': template.name },
        }),
      );
    }
  }
}
