/** Fleet and review tooling: overlays, cost rates, nodeadm and eksctl settings (issue 8). */
export const fleetProperties = {};
