import type { SiteConfig } from '../config/schema';
import { runsDraDriver } from './placement';

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

/** Namespace of the NVIDIA DRA driver (the name NVIDIA's docs and scripts used up to 25.x). */
export const DRA_DRIVER_NAMESPACE = 'nvidia-dra-driver-gpu';

/**
 * The namespaces the site renders, derived from the enabled components, in a fixed order. kube-system
 * exists on every cluster and is never rendered.
 */
export function siteNamespaces(config: SiteConfig): NamespaceSpec[] {
  const namespaces: NamespaceSpec[] = [];
  // The NVIDIA DRA driver, then the GPU workloads (samples, DRA claim templates, NFS claim).
  if (runsDraDriver(config)) {
    namespaces.push({
      name: DRA_DRIVER_NAMESPACE,
      podSecurity: 'privileged',
      reason:
        'the NVIDIA DRA kubelet plugin and its init container are privileged upstream and mount /var/lib/kubelet/plugins with Bidirectional propagation (hostPath); baseline forbids both',
      runsPods: true,
    });
  }
  const anySample = Object.values(config.samples).some((sample) => sample.enabled);
  if (config.storage.nfs.enabled || config.dra.claimTemplates.length > 0 || anySample || config.harborTest.enabled) {
    namespaces.push({
      name: WORKLOADS_NAMESPACE,
      podSecurity: 'baseline',
      reason: 'GPU samples run CUDA images as root; baseline forbids host access and privilege, restricted is audited and warned',
      runsPods: true,
    });
  }
  // Monitoring, DCGM exporter and web-api (kube-system holds the cluster-autoscaler).
  if (config.monitoring.enabled) {
    namespaces.push({
      name: config.monitoring.namespace,
      podSecurity: 'baseline',
      reason:
        'holds the scrape configuration for the Prometheus installed here; Prometheus runs non-root, but not every chart sets the seccomp profile restricted requires, and baseline still forbids host access',
      runsPods: false,
    });
  }
  if (config.dcgmExporter.enabled) {
    namespaces.push({
      name: config.dcgmExporter.namespace,
      podSecurity: 'privileged',
      reason:
        'dcgm-exporter reads the kubelet pod-resources socket (hostPath) and adds CAP_SYS_ADMIN for profiling metrics; baseline forbids both (it is not a privileged container)',
      runsPods: true,
    });
  }
  if (config.webApi.enabled) {
    namespaces.push({
      name: config.webApi.namespace,
      podSecurity: 'restricted',
      reason: 'web-api runs nginx as a non-root user with every capability dropped and the RuntimeDefault seccomp profile',
      runsPods: true,
    });
  }
  return namespaces;
}
