import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-30';
import type { Construct } from 'constructs';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { imageRef } from '../lib/model/images';
import { emit, type Typed } from '../lib/render/k8s';
import { cloudNodeRequirement } from '../lib/model/placement';
import { imagePullSecrets } from '../lib/model/pull-secrets';
import type { Site } from '../lib/site/site';

export interface WebApiChartProps {
  /** The site whose `webApi` section is rendered. */
  readonly site: Site;
}

export const WEB_API_NAME = 'web-api';

/** nginx-unprivileged listens on 8080 (a non-root user cannot bind 80). */
const HTTP_PORT = 8080;
/** nginx-unprivileged runs as this user and group. */
const NGINX_UID = 101;

/**
 * The guide's CPU workload, on cloud nodes: nginx behind a ClusterIP Service, at least two replicas
 * spread across nodes, a PodDisruptionBudget, probes, and the restricted Pod Security profile.
 *
 * The guide pins it with `nodeSelector: eks.amazonaws.com/compute-type: ec2`, a value EKS never sets, so
 * its pod would stay Pending; cloud nodes are selected with `compute-type NotIn [hybrid]` instead.
 *
 * The Deployment and Service are cdk8s-plus-30 constructs: this is a plain stateless workload, which is
 * what they model. Three things they cannot say are JSON patches on the rendered Deployment (see
 * {@link patchDeployment}); the PodDisruptionBudget has no cdk8s-plus construct and is a raw object.
 * Every other chart renders raw objects: cdk8s-plus has no hostPID, runtimeClassName, DaemonSet
 * updateStrategy, extended resources or DRA claims, and its 1.30 converter drops what it does not know.
 */
export class WebApiChart extends Chart {
  constructor(scope: Construct, id: string, props: WebApiChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is given its metadata.name (WEB_API_NAME), so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    const { webApi } = config;
    const namespace = webApi.namespace;
    const labels = { 'app.kubernetes.io/name': WEB_API_NAME };
    const metadata = { name: WEB_API_NAME, namespace, labels };
    const httpGet = (initialDelaySeconds: number | undefined, periodSeconds: number) =>
      kplus.Probe.fromHttpGet('/', {
        port: HTTP_PORT,
        ...(initialDelaySeconds === undefined ? {} : { initialDelaySeconds: Duration.seconds(initialDelaySeconds) }),
        periodSeconds: Duration.seconds(periodSeconds),
        failureThreshold: 3,
      });
    // Cloud nodes pull the public image; the secret only matters when a Harbor proxy-cache project serves it.
    const [pullSecret] = imagePullSecrets(config, namespace);

    const deployment = new kplus.Deployment(this, WEB_API_NAME, {
      metadata,
      replicas: webApi.replicas,
      // our own selector (below), not cdk8s-plus' generated `cdk8s.io/metadata.addr` one
      select: false,
      podMetadata: { labels },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      automountServiceAccountToken: false,
      ...(pullSecret ? { dockerRegistryAuth: kplus.Secret.fromSecretName(this, 'pull-secret', pullSecret.name) } : {}),
      securityContext: { ensureNonRoot: true, user: NGINX_UID, group: NGINX_UID },
      volumes: [],
      containers: [
        {
          name: 'nginx',
          image: imageRef(config, webApi.image),
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ name: 'http', number: HTTP_PORT, protocol: kplus.Protocol.TCP }],
          readiness: httpGet(undefined, 5),
          liveness: httpGet(10, 10),
          resources: { cpu: { request: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) } },
          securityContext: {
            ensureNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
          // nginx-unprivileged keeps its pid file and temp paths under /tmp; the rest of the root is read-only.
          volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }) }],
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels }));
    const cloud = cloudNodeRequirement();
    // Stryker disable next-line ArrayDeclaration: equivalent, never used: cloudNodeRequirement() always lists its values
    deployment.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.notIn(cloud.key, cloud.values ?? [])));
    patchDeployment(deployment, labels);

    const service = new kplus.Service(this, `${WEB_API_NAME}-service`, {
      metadata,
      type: kplus.ServiceType.CLUSTER_IP,
      // cdk8s-plus takes a number here; nginx's port is the same constant as the container's
      ports: [{ name: 'http', port: 80, targetPort: HTTP_PORT, protocol: kplus.Protocol.TCP }],
    });
    for (const [key, value] of Object.entries(labels)) service.selectLabel(key, value);
    // cdk8s-plus writes `externalIPs: []`; a ClusterIP Service of ours has none to list
    ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'));

    emit<Typed<PodDisruptionBudget>>(this, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata,
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    });
  }
}

/**
 * What cdk8s-plus-30 cannot express, patched into the Deployment it renders (fields Kubernetes 1.30
 * knows, so its converter keeps them):
 * - topology spread with `nodeTaintsPolicy: Honor`: hard on nodes (two replicas never share a node while
 *   another cloud node can take one). By default nodes whose taints the pod does not tolerate (the cloud
 *   GPU group's nvidia.com/gpu) still count as domains with 0 replicas, which pins the minimum at 0 and
 *   leaves every replica beyond the number of untainted cloud nodes Pending;
 * - no `cdk8s.io/metadata.addr` pod label: cdk8s-plus adds it even without `select`, and its value carries
 *   a hash of the construct path (our output has no hashes, and a pod label change rolls every pod);
 * - no `fsGroupChangePolicy`: cdk8s-plus sets it by default, but it means nothing without an fsGroup.
 */
function patchDeployment(deployment: kplus.Deployment, labels: Record<string, string>): void {
  const spread = (topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway'): TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    nodeTaintsPolicy: 'Honor',
    labelSelector: { matchLabels: labels },
  });
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
    JsonPatch.remove('/spec/template/spec/securityContext/fsGroupChangePolicy'),
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
      spread('kubernetes.io/hostname', 'DoNotSchedule'),
      spread('topology.kubernetes.io/zone', 'ScheduleAnyway'),
    ]),
  );
}
