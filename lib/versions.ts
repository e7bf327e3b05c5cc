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

export function isSupportedVersion(version: string): version is KubernetesVersion {
  return (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version);
}
