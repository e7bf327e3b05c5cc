/** One problem in the rendered output: what check found it, where, and why. */
export interface Finding {
  /** `schema` or a policy check id (`resources-required`, `image-pinned`…). */
  readonly check: string;
  readonly severity: 'error' | 'warning';
  /** Output file, relative to dist/<site>/. */
  readonly file: string;
  /** `Kind namespace/name` or `Kind name` (describeObject). */
  readonly object: string;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].resources.limits.nvidia.com/gpu`. */
  readonly field?: string;
  readonly message: string;
}

/** What the validator needs to know about the site. */
export interface ValidationContext {
  /** Target Kubernetes minor, "1.30" … "1.36". */
  readonly kubernetesVersion: string;
  /**
   * The nodes GPU pods may run on: hybrid GPU pools and cloud node groups with NVIDIA instances. A GPU pod must
   * select all `selector` labels of one of them and tolerate that one's taints.
   */
  readonly gpuNodeGroups: readonly GpuNodeGroup[];
  /** The user opted in to plain (unencrypted) pull secrets and credentials in Secrets. */
  readonly allowPlainCredentials: boolean;
}

/** A set of GPU nodes as the validator sees it: the labels that pick them and the taints they carry. */
export interface GpuNodeGroup {
  readonly selector: Readonly<Record<string, string>>;
  readonly taints: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
}
