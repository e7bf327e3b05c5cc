import { Chart } from 'cdk8s';
import type { Pod, Toleration } from 'kubernetes-types/core/v1';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../lib/config/schema';
import { emit, type Typed } from '../lib/render/k8s';
import { WORKLOADS_NAMESPACE } from '../lib/model/namespaces';
import { COMPUTE_TYPE_LABEL, HYBRID, poolTaints } from '../lib/model/placement';
import { imagePullSecrets } from '../lib/model/pull-secrets';
import { NO_PRIVILEGES_READ_ONLY_ROOT } from '../lib/model/security-context';
import type { Site } from '../lib/site/site';

export interface HarborTestChartProps {
  /** The site whose registry, pull secret and node pools the test pod uses. */
  readonly site: Site;
}

export const HARBOR_TEST_NAME = 'harbor-test';

/** The image the test pulls: the configured repository inside the site's registry. */
export function harborTestImage(config: SiteConfig): string {
  return `${config.registry.hostname}/${config.harborTest.image}`;
}

/**
 * Tolerations for every pool's taints, once each: hybrid nodes may all be tainted GPU servers, and the test
 * must land on one.
 */
function allPoolTolerations(config: SiteConfig): Toleration[] {
  // A taint without a value: `value: undefined` is left out when cdk8s writes the object.
  return poolTaints(config.nodePools).map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));
}

/**
 * The guide's harbor-test Pod, made a test that ends: it pulls `<registry>/<image>` on a hybrid node
 * with the pull secret (so it proves DNS, the CA in certs.d and the credentials together), runs
 * `nginx -v` and exits, so `kubectl get pod harbor-test` says Completed or shows the pull error.
 * It meets the restricted Pod Security profile and asks for no GPU.
 */
export class HarborTestChart extends Chart {
  constructor(scope: Construct, id: string, props: HarborTestChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    emit<Typed<Pod>>(this, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: HARBOR_TEST_NAME, namespace: WORKLOADS_NAMESPACE, labels: { 'app.kubernetes.io/name': HARBOR_TEST_NAME } },
      spec: {
        restartPolicy: 'Never',
        nodeSelector: { [COMPUTE_TYPE_LABEL]: HYBRID },
        tolerations: allPoolTolerations(config),
        imagePullSecrets: imagePullSecrets(config, WORKLOADS_NAMESPACE),
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'nginx',
            image: harborTestImage(config),
            imagePullPolicy: 'IfNotPresent',
            command: ['nginx', '-v'],
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
            securityContext: NO_PRIVILEGES_READ_ONLY_ROOT,
          },
        ],
      },
    });
  }
}
