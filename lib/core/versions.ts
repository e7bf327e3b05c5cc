/**
 * The version matrix: every fact that changes with the target Kubernetes minor lives here and nowhere
 * else. Charts ask this module; they never compare version strings themselves.
 */

export const SUPPORTED_KUBERNETES_VERSIONS = ['1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
export type KubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];

/** Minor number of a supported version string ("1.33" → 33). */
export function minorOf(version: string): number {
  const match = /^1\.(\d+)$/.exec(version);
  if (!match) throw new Error(`not a Kubernetes minor version: ${version}`);
  return Number(match[1]);
}

/** Generations of the `resource.k8s.io` (Dynamic Resource Allocation) API, oldest first. */
export type DraApiVersion = 'v1alpha2' | 'v1alpha3' | 'v1beta1' | 'v1';

/** What DRA looks like on one Kubernetes minor. Every DRA object and pod claim is shaped from this. */
export interface DraFacts {
  /** The `resource.k8s.io` version we render: the newest one the minor serves that EKS can enable. */
  readonly api: DraApiVersion;
  /** `ResourceClass` (classic DRA, driver named in the class) up to 1.30; `DeviceClass` (CEL selectors) from 1.31. */
  readonly classKind: 'ResourceClass' | 'DeviceClass';
  /**
   * Shape of a claim's device request: `classic` = `spec.resourceClassName` (no requests list);
   * `flat` = `devices.requests[].deviceClassName`; `exactly` = `devices.requests[].exactly.deviceClassName`.
   */
  readonly requestShape: 'classic' | 'flat' | 'exactly';
  /** Pod `resourceClaims[]`: `source.resourceClaimTemplateName` up to 1.30, `resourceClaimTemplateName` from 1.31. */
  readonly podClaimShape: 'source' | 'direct';
  /** Whether the API group version is served on EKS without flags we cannot set (alpha APIs never are). */
  readonly servedOnEks: boolean;
  /** Why EKS does not serve the DRA API at this minor (shown in the config error), on minors where `servedOnEks` is false. */
  readonly note?: string;
  /**
   * Kubelet feature gates a DRA node needs on this minor beyond the kubelet's defaults. 1.32–1.33:
   * DynamicResourceAllocation is beta and off in the kubelet, and hybrid nodeadm does not turn it on
   * (without it the kubelet never registers the DRA plugin). GA and on from 1.34, so nothing there.
   */
  readonly kubeletFeatureGates: Readonly<Record<string, boolean>>;
}

const DRA_BY_VERSION: Record<KubernetesVersion, DraFacts> = {
  '1.30': {
    api: 'v1alpha2',
    classKind: 'ResourceClass',
    requestShape: 'classic',
    podClaimShape: 'source',
    servedOnEks: false,
    note: 'resource.k8s.io/v1alpha2 is alpha (classic DRA) and EKS does not enable it',
    kubeletFeatureGates: {},
  },
  '1.31': {
    api: 'v1alpha3',
    classKind: 'DeviceClass',
    requestShape: 'flat',
    podClaimShape: 'direct',
    servedOnEks: false,
    note: 'resource.k8s.io/v1alpha3 is alpha and EKS does not enable it',
    kubeletFeatureGates: {},
  },
  '1.32': {
    api: 'v1beta1',
    classKind: 'DeviceClass',
    requestShape: 'flat',
    podClaimShape: 'direct',
    servedOnEks: false,
    note: 'resource.k8s.io/v1beta1 is beta and off by default, and AWS documents the DRA beta API as enabled only from EKS 1.33',
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, no dra pool is allowed on 1.32 (EKS does not serve DRA there), so no NodeConfig reads this row's gates; kept as the fact it is
    kubeletFeatureGates: { DynamicResourceAllocation: true },
  },
  '1.33': {
    api: 'v1beta1',
    classKind: 'DeviceClass',
    requestShape: 'flat',
    podClaimShape: 'direct',
    // EKS 1.33 enables the DRA beta API; v1beta1 keeps the flat deviceClassName request shape
    servedOnEks: true,
    kubeletFeatureGates: { DynamicResourceAllocation: true },
  },
  // resource.k8s.io/v1 is GA and served by default
  '1.34': { api: 'v1', classKind: 'DeviceClass', requestShape: 'exactly', podClaimShape: 'direct', servedOnEks: true, kubeletFeatureGates: {} },
  '1.35': { api: 'v1', classKind: 'DeviceClass', requestShape: 'exactly', podClaimShape: 'direct', servedOnEks: true, kubeletFeatureGates: {} },
  '1.36': { api: 'v1', classKind: 'DeviceClass', requestShape: 'exactly', podClaimShape: 'direct', servedOnEks: true, kubeletFeatureGates: {} },
};

/** The DRA facts of a supported minor. */
export function draFacts(version: KubernetesVersion): DraFacts {
  return DRA_BY_VERSION[version];
}

/**
 * Oldest minor the NVIDIA DRA driver v0.4.1 runs on: its chart declares `kubeVersion: >=1.32.0-0` and the
 * driver speaks resource.k8s.io v1beta1 or newer only. AWS recommends 1.34 or later for it.
 */
export const NVIDIA_DRA_DRIVER_MIN_VERSION: KubernetesVersion = '1.32';

/**
 * Whether the NVIDIA DRA driver (and so a `dra` node pool) can run on this minor of EKS: where EKS serves
 * the DRA API. Every such minor is at or above the driver's own floor, {@link NVIDIA_DRA_DRIVER_MIN_VERSION}
 * (test/core.test.ts checks the table), so that floor needs no test here.
 */
export function supportsNvidiaDraDriver(version: KubernetesVersion): boolean {
  return draFacts(version).servedOnEks;
}

/** Oldest supported minor where `dra` pools work on EKS (1.33). */
export const DRA_MIN_VERSION: KubernetesVersion = SUPPORTED_KUBERNETES_VERSIONS.find(supportsNvidiaDraDriver) as KubernetesVersion;

/**
 * admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is GA from 1.30 (every supported minor). The
 * DRA driver's ResourceSlice policy also reads the node name from the service-account token
 * (ServiceAccountTokenPodNodeInfo: beta and on by default from 1.30, GA in 1.32).
 */
export const VALIDATING_ADMISSION_POLICY_MIN_VERSION: KubernetesVersion = '1.30';

/**
 * Smallest containerd major the kubelet of a Kubernetes minor supports: 1.35 is the last release that
 * supports containerd 1.x (EKS kubernetes-versions-standard, "Kubernetes 1.35"), so 1.36+ needs
 * containerd 2. The nodeadm NodeConfig writes its registry TOML for this major unless the site
 * says otherwise.
 */
export function minimumContainerdMajor(version: string): 1 | 2 {
  return minorOf(version) >= 36 ? 2 : 1;
}

/**
 * cluster-autoscaler release per Kubernetes minor: the autoscaler simulates the scheduler of its own minor,
 * so its minor must match the cluster's. Newest patch of each line that we could confirm: 1.33.6, 1.34.5,
 * 1.35.2 and 1.36.1 are the 2026-07-23 releases (kubernetes/autoscaler release notes); 1.32.7 is the last
 * 1.32 tag referenced upstream; 1.31.5 and 1.30.7 are the newest tags of those lines (kubernetes/autoscaler tags).
 * Every release, even 1.36.1, still logs an error for each hybrid node (`HasInstance` cannot parse the
 * `eks-hybrid:///` provider ID; the upstream fix is an open pull request).
 */
const CLUSTER_AUTOSCALER_TAGS: Record<KubernetesVersion, string> = {
  '1.30': 'v1.30.7',
  '1.31': 'v1.31.5',
  '1.32': 'v1.32.7',
  '1.33': 'v1.33.6',
  '1.34': 'v1.34.5',
  '1.35': 'v1.35.2',
  '1.36': 'v1.36.1',
};

export const CLUSTER_AUTOSCALER_REPOSITORY = 'registry.k8s.io/autoscaling/cluster-autoscaler';

/** The cluster-autoscaler image tag (`v1.<minor>.<patch>`) for a supported minor. */
export function clusterAutoscalerTag(version: KubernetesVersion): string {
  return CLUSTER_AUTOSCALER_TAGS[version];
}
