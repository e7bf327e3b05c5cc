/** Monitoring, cloud-side workloads and cluster-autoscaler (issue 6). */
export const observabilityProperties = {};
