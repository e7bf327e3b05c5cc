import { Type } from '@sinclair/typebox';
import { Closed, DnsLabel, ERROR_KEYWORD, LabelMap, Section, Taint } from './common';

export const GPU_MODES = ['none', 'devicePlugin', 'dra'] as const;

/** Hybrid node pools and the GPU stack on them (issue 5). */
export const gpuProperties = {
  nodePools: Type.Array(
    Closed({
      name: DnsLabel({ description: 'Pool name; unique within the site.' }),
      count: Type.Integer({ minimum: 0, description: 'Number of on-prem servers in the pool.' }),
      vcpus: Type.Integer({ minimum: 1, description: 'vCPUs per server (EKS Hybrid Nodes are billed per vCPU-hour).' }),
      labels: LabelMap({ description: 'Extra node labels the pool registers with (nodeadm kubelet flags).' }),
      taints: Type.Array(Taint, { default: [], description: 'Taints the pool registers with.' }),
      gpu: Section(
        {
          mode: Type.Union(
            GPU_MODES.map((m) => Type.Literal(m)),
            {
              default: 'none',
              description: 'How GPUs are exposed: none, devicePlugin (nvidia.com/gpu extended resource) or dra (NVIDIA DRA driver).',
              [ERROR_KEYWORD]: `must be one of ${GPU_MODES.join(', ')}`,
            },
          ),
          model: Type.Optional(Type.String({ minLength: 1, description: 'GPU model, e.g. H100.' })),
          perNode: Type.Integer({ minimum: 0, default: 0, description: 'GPUs per server.' }),
        },
        { description: 'GPUs of the pool.' },
      ),
    }),
    { default: [], description: 'On-prem hybrid node pools.' },
  ),
  storage: Section(
    {
      nfs: Section(
        {
          enabled: Type.Boolean({ default: false, description: 'Render the on-prem NFS PersistentVolume and claim.' }),
          server: Type.Optional(Type.String({ description: 'NFS server address.' })),
          path: Type.Optional(Type.String({ description: 'Exported path.' })),
        },
        { description: 'On-prem NFS storage.' },
      ),
    },
    { description: 'On-prem storage.' },
  ),
};
