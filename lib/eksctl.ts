import { cloudNodeGroupTags } from './cloud';
import type { SiteConfig } from './config/schema';
import { toYaml } from './output';
import type { OutputFile } from './render';

/**
 * The cloud side of the site as an eksctl ClusterConfig (`cluster/eksctl.yaml`): what the guide
 * creates with `eksctl create cluster -f`, from the same site config as the charts, so CIDRs, the
 * cluster name and the node groups cluster-autoscaler discovers cannot disagree with the manifests.
 * Not a cluster object; kustomization.yaml does not list it.
 *
 * Field names follow eksctl's `eksctl.io/v1alpha5` schema and its Hybrid Nodes page
 * (remoteNetworkConfig.iam.provider SSM|IRA, caBundleCert for IRA).
 */
export const EKSCTL_PATH = 'cluster/eksctl.yaml';

/** Written when the site config names no gateway: `VPC_GATEWAY_ID=tgw-… envsubst < eksctl.yaml`. */
export const VPC_GATEWAY_PLACEHOLDER = '${VPC_GATEWAY_ID}';

export function eksctlClusterConfig(config: SiteConfig): Record<string, unknown> {
  const ira = config.nodeadm.credentialProvider === 'iamRolesAnywhere';
  const roleArn = config.nodeadm.iamRolesAnywhere.roleArn;
  return {
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name: config.cluster.name, region: config.cluster.region, version: config.kubernetesVersion },
    vpc: {
      cidr: config.networks.vpc,
      // Hybrid Nodes support a public or a private endpoint, not both
      clusterEndpoints: { publicAccess: config.eksctl.endpointAccess === 'public', privateAccess: config.eksctl.endpointAccess === 'private' },
    },
    kubernetesNetworkConfig: { ipFamily: 'IPv4', serviceIPv4CIDR: config.networks.serviceNetwork },
    // hybrid nodes join through an access entry of type HYBRID_LINUX, which needs the API mode
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    remoteNetworkConfig: {
      iam: {
        provider: ira ? 'IRA' : 'SSM',
        ...(ira && config.eksctl.caBundleCert ? { caBundleCert: config.eksctl.caBundleCert } : {}),
        ...(ira && roleArn && !config.eksctl.caBundleCert ? { roleARN: roleArn } : {}),
      },
      // eksctl requires the gateway that routes the VPC to the remote networks; without an ID in the config,
      // a placeholder to fill in (envsubst) like the NodeConfigs' activation codes
      vpcGatewayID: config.eksctl.vpcGatewayId ?? VPC_GATEWAY_PLACEHOLDER,
      // EKS takes one entry holding every CIDR
      remoteNodeNetworks: [{ cidrs: [...config.networks.remoteNodeNetworks] }],
      remotePodNetworks: [{ cidrs: [...config.networks.remotePodNetworks] }],
    },
    ...(config.cloudNodeGroups.length === 0
      ? {}
      : {
          managedNodeGroups: config.cloudNodeGroups.map((g) => ({
            name: g.name,
            instanceType: g.instanceType,
            desiredCapacity: g.desiredCapacity,
            minSize: g.minSize,
            maxSize: g.maxSize,
            ...(Object.keys(g.labels).length > 0 ? { labels: g.labels } : {}),
            ...(g.taints.length > 0 ? { taints: g.taints.map((t) => ({ key: t.key, ...(t.value === undefined ? {} : { value: t.value }), effect: t.effect })) } : {}),
            tags: cloudNodeGroupTags(config, g),
            propagateASGTags: true,
          })),
        }),
  };
}

export function eksctlFile(config: SiteConfig): OutputFile {
  const header = [
    `# eksctl ClusterConfig of site ${config.name}: the EKS cluster, its remote (hybrid) networks and the cloud node groups.`,
    '# Generated from the site config: edit that instead. Not a cluster object. Create with: eksctl create cluster -f cluster/eksctl.yaml',
    '# eksctl sets remoteNetworkConfig only at cluster creation; later changes go through the EKS API (UpdateClusterConfig).',
    ...(config.eksctl.vpcGatewayId
      ? []
      : ['# Set the Transit or Virtual Private Gateway first: VPC_GATEWAY_ID=tgw-… envsubst < cluster/eksctl.yaml > eksctl.yaml (or set eksctl.vpcGatewayId).']),
    '',
  ].join('\n');
  return { path: EKSCTL_PATH, content: `${header}${toYaml(eksctlClusterConfig(config))}` };
}
