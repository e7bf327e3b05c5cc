import { gpuPools } from '../placement';
import { minorOf } from '../versions';
import type { SiteConfig } from './schema';

/**
 * Warnings about a valid config that will work less well than the user likely expects. Unlike the
 * semantic checks they do not stop the render: each names the field it concerns.
 */
export function configAdvice(config: SiteConfig): string[] {
  const advice: string[] = [];
  const minor = minorOf(config.kubernetesVersion);
  const hybridNodes = config.nodePools.some((p) => p.count > 0);
  if (config.clusterAutoscaler.enabled && hybridNodes && minor < 33) {
    advice.push(
      `clusterAutoscaler.enabled: cluster-autoscaler ${config.kubernetesVersion} stops its whole loop at the first hybrid node ` +
        `("wrong id … eks-hybrid:///", kubernetes/autoscaler#8045, fixed from 1.33); on this version it scales nothing while hybrid nodes are joined`,
    );
  }
  if (gpuPools(config, 'dra').length > 0 && minor < 34) {
    advice.push(
      `nodePools: DRA on Kubernetes ${config.kubernetesVersion} uses the beta resource.k8s.io API and needs the kubelet's DynamicResourceAllocation gate (set in the NodeConfigs); ` +
        `the NVIDIA DRA driver's own docs ask for Kubernetes 1.34.2 or later (its code falls back to resource.k8s.io/v1beta1, so it runs here) and AWS recommends 1.34 or later`,
    );
  }
  const proxied = Object.keys(config.registry.proxyCache);
  if (proxied.length > 0 && !(config.pullSecrets.enabled && config.pullSecrets.includeKubeSystem)) {
    advice.push(
      `registry.proxyCache: images of ${proxied.join(', ')} are pulled through Harbor, also by kube-system pods (device plugin, ` +
        `cluster-autoscaler), which get no pull secret unless pullSecrets.includeKubeSystem is true: make those proxy-cache projects public in Harbor or set it`,
    );
  }
  return advice;
}
