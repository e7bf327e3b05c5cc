/** Checks of the monitoring, dcgmExporter, webApi and clusterAutoscaler sections. */
import { gpuPools } from '../model/placement';
import { minorOf } from '../core/versions';
import type { Problem } from '../config/problems';
import { labelMapProblems, type SemanticCheck } from './semantic';

/** Labels we put on objects or select pods by must be valid label syntax; the DRA selector must select something. */
export const checkMonitoringLabels: SemanticCheck = (config) => {
  const problems = [
    ...labelMapProblems(['monitoring', 'operator', 'labels'], config.monitoring.operator.labels),
    ...labelMapProblems(['monitoring', 'draPlugin', 'podLabels'], config.monitoring.draPlugin.podLabels),
  ];
  if (config.monitoring.draPlugin.enabled && Object.keys(config.monitoring.draPlugin.podLabels).length === 0) {
    problems.push({ path: 'monitoring.draPlugin.podLabels', message: 'must name at least one label of the kubelet-plugin pods; an empty selector would scrape every pod of the namespace' });
  }
  return problems;
};

/** The exporter runs on GPU pools only: enabling it without one renders a DaemonSet that can never schedule. */
export const checkDcgmExporter: SemanticCheck = (config) =>
  config.dcgmExporter.enabled && gpuPools(config).length === 0
    ? [{ path: 'dcgmExporter.enabled', message: 'no node pool has GPUs (nodePools[].gpu.mode is none everywhere), so the exporter would never run', value: true }]
    : [];

/**
 * The autoscaler needs AWS credentials (IRSA role) and must simulate the scheduler of the cluster's own
 * minor: an image override of another minor is a mistake.
 */
export const checkClusterAutoscaler: SemanticCheck = (config) => {
  const ca = config.clusterAutoscaler;
  if (!ca.enabled) return [];
  const problems: Problem[] = [];
  if (ca.iamRoleArn === undefined) {
    problems.push({
      path: 'clusterAutoscaler.iamRoleArn',
      message: 'is required when the cluster-autoscaler is enabled: the IAM role (IRSA) that may describe and resize the Auto Scaling groups',
    });
  }
  // Stryker disable next-line StringLiteral: equivalent, a text without a ':1.<minor>' tag gives no minor, whatever it is
  const tagMinor = /:v?1\.(\d+)(\.\d+)?(@|$|-)/.exec(ca.image ?? '')?.[1];
  if (tagMinor !== undefined && Number(tagMinor) !== minorOf(config.kubernetesVersion)) {
    problems.push({
      path: 'clusterAutoscaler.image',
      message: `is a cluster-autoscaler for Kubernetes 1.${tagMinor}, but kubernetesVersion is ${config.kubernetesVersion}; its minor must match the cluster's (leave image out to get the matching release)`,
      value: ca.image,
    });
  }
  return problems;
};

export const OBSERVABILITY_CHECKS: readonly SemanticCheck[] = [checkMonitoringLabels, checkDcgmExporter, checkClusterAutoscaler];
