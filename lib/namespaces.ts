import type { SiteConfig } from './config/schema';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** A namespace the site renders, with the Pod Security Admission level it enforces and why. */
export interface NamespaceSpec {
  readonly name: string;
  readonly podSecurity: PodSecurityLevel;
  readonly reason: string;
  /** Whether pods run in it (so it needs the registry pull secret). */
  readonly runsPods: boolean;
}

/** Namespace of the sample GPU workloads, the DRA claim templates and the NFS claim (the guide's name). */
export const WORKLOADS_NAMESPACE = 'ml-workloads';

/**
 * The namespaces the site renders, derived from the enabled components, in a fixed order. kube-system
 * exists on every cluster and is never rendered.
 */
export function siteNamespaces(config: SiteConfig): NamespaceSpec[] {
  const namespaces: NamespaceSpec[] = [];
  if (config.storage.nfs.enabled) {
    namespaces.push({
      name: WORKLOADS_NAMESPACE,
      podSecurity: 'baseline',
      reason: 'GPU samples run CUDA images as root; baseline forbids host access and privilege, restricted is audited and warned',
      runsPods: true,
    });
  }
  return namespaces;
}
