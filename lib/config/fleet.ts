import { Type } from '@sinclair/typebox';
import { Closed, DnsLabel, ERROR_KEYWORD, LabelMap, Section, Taint } from './common';

/**
 * AWS's published EKS Hybrid Nodes price per vCPU-hour by monthly volume (US East; re-check
 * https://aws.amazon.com/eks/pricing/ before relying on it). The last tier has no upper bound.
 */
export const DEFAULT_COST_TIERS = [
  { vcpuHours: 576_000, usdPerVcpuHour: 0.02 },
  { vcpuHours: 576_000, usdPerVcpuHour: 0.014 },
  { vcpuHours: 4_608_000, usdPerVcpuHour: 0.01 },
  { vcpuHours: 5_760_000, usdPerVcpuHour: 0.008 },
  { usdPerVcpuHour: 0.006 },
];

/** The flat rate the source guide quotes; shown beside the tiered price so readers see the difference. */
export const GUIDE_FLAT_USD_PER_VCPU_HOUR = 0.1099;

/** No published rate comes near this (AWS asks $0.02 or less): a larger one is a typo, and would render a cost report in the billions. */
export const MAX_USD_PER_VCPU_HOUR = 10;

/** Prices are computed in millionths of a dollar: enough for every published rate, exact in integers. */
const Rate = (description: string, defaultValue?: number) =>
  Type.Number({
    minimum: 0,
    maximum: MAX_USD_PER_VCPU_HOUR,
    // Stryker disable next-line ConditionalExpression: equivalent, every reader of `default` (ajv's useDefaults, the docs generator, advice.ts, JSON.stringify) treats `default: undefined` as no default
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description: `${description} In US dollars, at most 6 decimal places, at most ${MAX_USD_PER_VCPU_HOUR}.`,
  });

const Arn = (what: string) =>
  Type.Optional(
    Type.String({
      pattern: '^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\\d{12}:.+$',
      description: `ARN of the IAM Roles Anywhere ${what}; a placeholder is written when unset.`,
      [ERROR_KEYWORD]: 'must be an AWS ARN such as arn:aws:rolesanywhere:ap-northeast-2:111122223333:trust-anchor/…',
    }),
  );

export const CREDENTIAL_PROVIDERS = ['ssm', 'iamRolesAnywhere'] as const;

/** Fleet and review tooling: overlays, cost rates, nodeadm and eksctl settings. */
export const fleetProperties = {
  extends: Type.Optional(
    Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      description:
        'Base site file(s) this file overlays, relative to this file; later files win. Maps merge key by key, lists replace, `null` removes a key. Resolved by the loader and never part of the rendered config.',
      [ERROR_KEYWORD]: 'must be a file name or a list of file names',
    }),
  ),
  cost: Section(
    {
      hoursPerMonth: Type.Integer({ minimum: 1, maximum: 744, default: 730, description: 'Hours in a billing month (AWS uses 730).' }),
      tiers: Type.Array(
        Closed({
          vcpuHours: Type.Optional(
            Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'vCPU-hours in this tier; omitted on the last tier, which is unbounded.' }),
          ),
          usdPerVcpuHour: Rate('Price per vCPU-hour in this tier.'),
        }),
        {
          minItems: 1,
          default: DEFAULT_COST_TIERS,
          description: 'EKS Hybrid Nodes price tiers by monthly vCPU-hours, in order; every tier but the last has `vcpuHours`.',
        },
      ),
      guideFlatUsdPerVcpuHour: Rate('Flat price the source guide assumed, shown for comparison only.', GUIDE_FLAT_USD_PER_VCPU_HOUR),
    },
    { description: 'EKS Hybrid Nodes pricing used by `npm run cost` and COST.md.' },
  ),
  nodeadm: Section(
    {
      credentialProvider: Type.Union(
        CREDENTIAL_PROVIDERS.map((p) => Type.Literal(p)),
        {
          default: 'ssm',
          description: 'How hybrid nodes get AWS credentials: ssm (SSM hybrid activation) or iamRolesAnywhere (X.509 certificates).',
          [ERROR_KEYWORD]: `must be one of ${CREDENTIAL_PROVIDERS.join(', ')}`,
        },
      ),
      iamRolesAnywhere: Section(
        {
          trustAnchorArn: Arn('trust anchor'),
          profileArn: Arn('profile'),
          roleArn: Arn('Hybrid Nodes role (the role is IAM, not Roles Anywhere)'),
          certificatePath: Type.Optional(Type.String({ minLength: 1, description: 'Node certificate path on the server (nodeadm default when unset).' })),
          privateKeyPath: Type.Optional(Type.String({ minLength: 1, description: 'Node private key path on the server (nodeadm default when unset).' })),
        },
        { description: 'IAM Roles Anywhere settings (credentialProvider: iamRolesAnywhere). ARNs are not secrets.' },
      ),
      maxPods: Type.Integer({ minimum: 1, maximum: 1024, default: 110, description: 'kubelet maxPods of every hybrid node.' }),
      shutdownGracePeriod: Type.String({
        pattern: '^\\d+(s|m)$',
        default: '30s',
        description: 'kubelet shutdownGracePeriod: time the node gives pods when the server shuts down.',
        [ERROR_KEYWORD]: 'must be a duration in seconds or minutes such as 30s or 2m',
      }),
      containerdMajor: Type.Optional(
        Type.Union([Type.Literal(1), Type.Literal(2)], {
          description:
            'Major version of containerd on the servers; decides the GPU pools\' containerd drop-in (1.7: the complete CRI section, 2: only the changes, version 3). Default: 2 from Kubernetes 1.36 (which needs it), else 1.',
          [ERROR_KEYWORD]: 'must be 1 or 2',
        }),
      ),
    },
    { description: 'nodeadm NodeConfig files written to nodes/<pool>.nodeconfig.yaml (one per hybrid pool).' },
  ),
  cloudNodeGroups: Type.Array(
    Closed({
      name: DnsLabel({ description: 'Managed node group name.' }),
      instanceType: Type.String({
        pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$',
        description: 'EC2 instance type, e.g. m5.xlarge.',
        [ERROR_KEYWORD]: 'must be an EC2 instance type such as m5.xlarge',
      }),
      // at most the 5,000 nodes Kubernetes supports per cluster: catches typos before they reach eksctl.yaml
      minSize: Type.Integer({ minimum: 0, maximum: 5000, description: 'Smallest size the autoscaler may scale to.' }),
      maxSize: Type.Integer({ minimum: 1, maximum: 5000, description: 'Largest size the autoscaler may scale to.' }),
      desiredCapacity: Type.Integer({ minimum: 0, maximum: 5000, description: 'Initial size.' }),
      labels: LabelMap({ description: 'Node labels.' }),
      taints: Type.Array(Taint, { default: [], description: 'Node taints.' }),
    }),
    { default: [], description: 'EKS managed node groups in the VPC (written to cluster/eksctl.yaml; cluster-autoscaler scales these).' },
  ),
  eksctl: Section(
    {
      endpointAccess: Type.Union([Type.Literal('public'), Type.Literal('private')], {
        default: 'public',
        description: 'Cluster API endpoint: public or private. Hybrid Nodes do not support both at once.',
        [ERROR_KEYWORD]: 'must be public or private (hybrid nodes cannot use public and private together)',
      }),
      caBundleCert: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'PEM of the CA that signs node certificates (credentialProvider: iamRolesAnywhere); eksctl creates the trust anchor from it.',
        }),
      ),
      vpcGatewayId: Type.Optional(
        Type.String({
          pattern: '^(tgw|vgw)-[0-9a-f]{8,17}$',
          description:
            'Transit Gateway (tgw-…) or Virtual Private Gateway (vgw-…) that connects the VPC to the on-prem networks (eksctl remoteNetworkConfig.vpcGatewayID, required by eksctl). Without it, eksctl.yaml holds the placeholder ${VPC_GATEWAY_ID}.',
          [ERROR_KEYWORD]: 'must be a Transit Gateway (tgw-…) or Virtual Private Gateway (vgw-…) ID, e.g. tgw-0123456789abcdef0',
        }),
      ),
    },
    { description: 'Cloud side written to cluster/eksctl.yaml.' },
  ),
  gitops: Section(
    {
      enabled: Type.Boolean({
        default: false,
        description: 'Write gitops/ with the Argo CD ApplicationSets and Flux objects that deliver this site from the Git repository holding dist/. Set it in a base file to opt in a whole fleet.',
      }),
      repoURL: Type.Optional(
        Type.String({
          pattern: '^(https://|ssh://|git@)[^\\s]+$',
          description: 'URL of the Git repository that holds dist/ (required when enabled).',
          [ERROR_KEYWORD]: 'must be a Git URL starting with https://, ssh:// or git@',
        }),
      ),
      revision: Type.String({ minLength: 1, default: 'main', description: 'Branch Argo CD and Flux follow (Flux: GitRepository ref.branch).' }),
      path: Type.String({
        pattern: '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$',
        not: { pattern: '(^|/)\\.\\.?(/|$)' },
        default: 'dist',
        description: 'Folder of the site folders inside the repository (the output root of synth).',
        [ERROR_KEYWORD]: 'must be a relative folder path without "." or ".." segments, e.g. dist or clusters/prod',
      }),
      argocd: Section(
        {
          namespace: DnsLabel({ default: 'argocd', description: 'Namespace Argo CD runs in (where ApplicationSets are read).' }),
          project: DnsLabel({ default: 'default', description: 'Argo CD project of the generated Applications.' }),
          server: Type.String({ default: 'https://kubernetes.default.svc', minLength: 1, description: 'API server URL of the destination cluster, as registered in Argo CD.' }),
        },
        { description: 'Argo CD ApplicationSets (gitops/argocd-applicationsets.yaml).' },
      ),
      flux: Section(
        {
          namespace: DnsLabel({ default: 'flux-system', description: 'Namespace of the Flux objects.' }),
          interval: Type.String({ pattern: '^([0-9]+(s|m|h))+$', default: '10m', description: 'How often Flux reconciles.' }),
          dependsOn: Type.Array(DnsLabel(), {
            default: [],
            description:
              'Flux Kustomizations (same namespace) that install the operators this site needs (see Prerequisites in dist/<site>/README.md); the site waits until they are Ready.',
          }),
        },
        { description: 'Flux GitRepository and Kustomizations (gitops/flux.yaml).' },
      ),
    },
    { description: 'Fleet delivery through Argo CD and Flux (off by default).' },
  ),
};

/** Whole millionths of a dollar in a rate, or undefined when it has more than 6 decimal places. */
export function rateMicros(usd: number): number | undefined {
  const micros = Math.round(usd * 1_000_000);
  return Math.abs(micros - usd * 1_000_000) < 1e-6 ? micros : undefined;
}
