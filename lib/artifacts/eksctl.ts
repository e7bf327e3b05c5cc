import { cloudGpuNodeGroups, cloudNodeGroupTags } from '../model/cloud';
import type { SiteConfig } from '../config/schema';
import { toYaml } from '../render/site-files';
import { runsDevicePlugin } from '../model/placement';
import type { OutputFile } from '../render/render';

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
        // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, the site config refuses eksctl.caBundleCert without IAM Roles Anywhere
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
            ...(g.taints.length > 0 ? { taints: g.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) } : {}),
            tags: cloudNodeGroupTags(config, g),
            propagateASGTags: true,
          })),
        }),
  };
}

/** eksctl's flag that keeps it from installing NVIDIA's static device plugin for NVIDIA node groups (no ClusterConfig field exists). */
export const NO_EKSCTL_NVIDIA_PLUGIN = '--install-nvidia-plugin=false';

/**
 * Who runs the device plugin on the cloud NVIDIA node groups. eksctl installs NVIDIA's static manifest as
 * kube-system/nvidia-device-plugin-daemonset for them unless told not to; ClusterConfig v1alpha5 has no field
 * for it, only the command-line flag. When our plugin covers those groups, the flag keeps eksctl's away (and an
 * install made without it is the same DaemonSet, which the next apply of dist/ takes over); when our plugin is
 * off, eksctl's is what advertises their GPUs.
 */
function devicePluginLines(config: SiteConfig): { flag: string; lines: string[] } {
  const groups = cloudGpuNodeGroups(config);
  if (groups.length === 0) return { flag: '', lines: [] };
  const names = groups.map((g) => `${g.name} (${g.instanceType})`).join(', ');
  if (!runsDevicePlugin(config)) {
    return {
      flag: '',
      lines: [`# NVIDIA node groups ${names}: devicePlugin.enabled is false, so eksctl's own NVIDIA device plugin serves them (create without ${NO_EKSCTL_NVIDIA_PLUGIN}).`],
    };
  }
  return {
    flag: ` ${NO_EKSCTL_NVIDIA_PLUGIN}`,
    lines: [
      `# NVIDIA node groups ${names}: this site's NVIDIA device plugin (kube-system/nvidia-device-plugin-daemonset) runs on them, so`,
      `# eksctl must not install its own: pass ${NO_EKSCTL_NVIDIA_PLUGIN} to eksctl create cluster and eksctl create nodegroup (no ClusterConfig field exists).`,
      "# Created without the flag, eksctl's plugin is that same DaemonSet: the next apply of dist/ takes it over, pinned to the GPU nodes.",
    ],
  };
}

/** The command that creates the cluster from the file, with the flags the site needs. */
export function eksctlCreateCommand(config: SiteConfig): string {
  return `eksctl create cluster -f ${EKSCTL_PATH}${devicePluginLines(config).flag}`;
}

export function eksctlFile(config: SiteConfig): OutputFile {
  const plugin = devicePluginLines(config);
  const header = [
    `# eksctl ClusterConfig of site ${config.name}: the EKS cluster, its remote (hybrid) networks and the cloud node groups.`,
    `# Generated from the site config: edit that instead. Not a cluster object. Create with: ${eksctlCreateCommand(config)}`,
    ...plugin.lines,
    '# eksctl sets remoteNetworkConfig only at cluster creation; later changes go through the EKS API (UpdateClusterConfig).',
    ...(config.eksctl.vpcGatewayId
      ? []
      : ['# Set the Transit or Virtual Private Gateway first: VPC_GATEWAY_ID=tgw-… envsubst < cluster/eksctl.yaml > eksctl.yaml (or set eksctl.vpcGatewayId).']),
    '',
  ].join('\n');
  return { path: EKSCTL_PATH, content: `${header}${toYaml(eksctlClusterConfig(config))}` };
}
