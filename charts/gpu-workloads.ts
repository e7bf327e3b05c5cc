import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Job, JobSpec } from 'kubernetes-types/batch/v1';
import type { Container, Pod, PodSecurityContext, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { NFS_CLAIM_NAME } from '../lib/config/gpu';
import type { NodePool, SiteConfig } from '../lib/config/schema';
import { podResourceClaim, type PodSpecWire } from '../lib/model/dra';
import { imageRef } from '../lib/model/images';
import { emit, type Typed } from '../lib/render/k8s';
import { WORKLOADS_NAMESPACE } from '../lib/model/namespaces';
import { cloudGpuNodeGroups, type CloudNodeGroup } from '../lib/model/cloud';
import { nodeGroupTerm, nvidiaRuntimeClassField, poolNodeSelector, poolTolerations, workloadPool } from '../lib/model/placement';
import { imagePullSecretsField } from '../lib/model/pull-secrets';
import { NO_PRIVILEGES } from '../lib/model/security-context';
import type { Site } from '../lib/site/site';

/** Name of the pod's DRA claim and of the container's reference to it. */
const GPU_CLAIM = 'gpu';

/** A Job whose pod template may carry DRA claims in the 1.31+ shape, which kubernetes-types 1.30 does not know. */
type JobWire = Omit<Job, 'spec'> & { spec: Omit<JobSpec, 'template'> & { template: Omit<PodTemplateSpec, 'spec'> & { spec: PodSpecWire } } };

/** Runs every selected GPU, so a training sample fails when one GPU is missing or broken. */
const TRAINING_SCRIPT = [
  'import torch',
  'n = torch.cuda.device_count()',
  'print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {n} GPU(s)")',
  'assert n > 0, "no GPU visible"',
  'for i in range(n):',
  '    a = torch.randn(8192, 8192, device=f"cuda:{i}")',
  '    print(i, torch.cuda.get_device_name(i), float((a @ a).abs().mean()))',
].join('\n');

/** CUDA images run as root; everything else a restricted profile asks for is set. */
const POD_SECURITY: PodSecurityContext = { seccompProfile: { type: 'RuntimeDefault' } };

export interface GpuWorkloadsChartProps {
  /** The site whose `samples` are rendered on its GPU pools. */
  readonly site: Site;
}

/**
 * The guide's sample GPU workloads, each switchable, in the workloads namespace: `gpu-test` (nvidia-smi
 * on one device-plugin GPU), `gpu-training` (PyTorch on a whole device-plugin server) and the
 * `ml-training` Job (PyTorch with GPUs from a DRA claim template). Placement and tolerations come from
 * the pool each sample runs on; `nvidia.com/gpu` is a real quantity because the objects are emitted raw.
 */
export class GpuWorkloadsChart extends Chart {
  private readonly config: SiteConfig;

  constructor(scope: Construct, id: string, props: GpuWorkloadsChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    this.config = props.site.config;
    const { gpuTest, gpuTraining, mlTraining, cloudGpuTest } = this.config.samples;
    // The config checks reject an enabled sample without a matching pool, so each lookup succeeds here.
    const testPool = gpuTest.enabled ? workloadPool(this.config, 'devicePlugin', gpuTest.pool) : undefined;
    if (testPool) {
      this.pod('gpu-test', this.placement(testPool), {
        name: 'cuda',
        image: imageRef(this.config, gpuTest.image),
        command: ['nvidia-smi'],
        // CUDA images carry NVIDIA_REQUIRE_CUDA=cuda>=<image version>; the NVIDIA runtime's legacy hook refuses to
        // start them on an older driver ("unsatisfied condition: cuda>=12.8" on a 550 driver). nvidia-smi and its
        // libraries come from the host driver, so this smoke test checks the GPU stack, not the image's CUDA.
        env: [{ name: 'NVIDIA_DISABLE_REQUIRE', value: 'true' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi', 'nvidia.com/gpu': '1' } },
      });
    }
    const trainingPool = gpuTraining.enabled ? workloadPool(this.config, 'devicePlugin', gpuTraining.pool) : undefined;
    if (trainingPool) {
      this.pod('gpu-training', this.placement(trainingPool), {
        name: 'training',
        image: imageRef(this.config, gpuTraining.image),
        command: ['python', '-c', TRAINING_SCRIPT],
        resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi', 'nvidia.com/gpu': String(gpuTraining.gpus) } },
      });
    }
    const draPool = mlTraining.enabled ? workloadPool(this.config, 'dra', mlTraining.pool) : undefined;
    if (draPool) this.mlTrainingJob(draPool);
    const cloudGroup = cloudGpuTest.enabled
      ? cloudGpuTest.nodeGroup === undefined
        ? cloudGpuNodeGroups(this.config)[0]
        : this.config.cloudNodeGroups.find((g) => g.name === cloudGpuTest.nodeGroup)
      : undefined;
    if (cloudGroup) {
      this.pod('cloud-gpu-test', this.cloudPlacement(cloudGroup), {
        name: 'cuda',
        image: imageRef(this.config, cloudGpuTest.image),
        command: ['nvidia-smi'],
        // as in gpu-test: checks the node's GPU stack, whatever driver the EKS NVIDIA AMI ships
        env: [{ name: 'NVIDIA_DISABLE_REQUIRE', value: 'true' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi', 'nvidia.com/gpu': '1' } },
      });
    }
  }

  private placement(pool: NodePool): Pick<PodSpecWire, 'nodeSelector' | 'tolerations' | 'imagePullSecrets'> {
    return {
      nodeSelector: poolNodeSelector(pool),
      tolerations: poolTolerations([pool]),
      ...imagePullSecretsField(this.config, WORKLOADS_NAMESPACE),
    };
  }

  /**
   * A pod on the nodes of one cloud managed node group: required node affinity on the group label EKS sets on
   * every node of a managed group (its instances are not hybrid, so no compute-type label is needed), and
   * tolerations for exactly the group's taints.
   */
  private cloudPlacement(group: CloudNodeGroup): Pick<PodSpecWire, 'affinity' | 'tolerations' | 'imagePullSecrets'> {
    return {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [nodeGroupTerm([group])] } } },
      tolerations: poolTolerations([group]),
      ...imagePullSecretsField(this.config, WORKLOADS_NAMESPACE),
    };
  }

  /** A one-shot pod that gets its GPUs from the device plugin (on a hybrid pool or a cloud GPU group). */
  private pod(name: string, placement: Pick<PodSpecWire, 'nodeSelector' | 'affinity' | 'tolerations' | 'imagePullSecrets'>, container: Container): void {
    emit<Typed<Pod>>(this, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: WORKLOADS_NAMESPACE, labels: { 'app.kubernetes.io/name': name } },
      spec: {
        restartPolicy: 'Never',
        ...placement,
        // The device plugin hands out GPUs through NVIDIA_VISIBLE_DEVICES, which only nvidia-container-runtime acts on.
        ...nvidiaRuntimeClassField(this.config),
        securityContext: POD_SECURITY,
        containers: [{ ...container, imagePullPolicy: 'IfNotPresent', securityContext: NO_PRIVILEGES }],
      },
    });
  }

  private mlTrainingJob(pool: NodePool): void {
    const { mlTraining } = this.config.samples;
    const nfs = this.config.storage.nfs.enabled;
    const labels = { app: 'ml-training', 'app.kubernetes.io/name': 'ml-training' };
    emit<Typed<JobWire>>(this, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'ml-training', namespace: WORKLOADS_NAMESPACE, labels },
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'OnFailure',
            ...this.placement(pool),
            // Never RuntimeClass nvidia: that runtime would show the pod every GPU of the node, not just its claim.
            securityContext: POD_SECURITY,
            resourceClaims: [podResourceClaim(this.config.kubernetesVersion, GPU_CLAIM, mlTraining.claimTemplate)],
            containers: [
              {
                name: 'training',
                image: imageRef(this.config, mlTraining.image),
                imagePullPolicy: 'IfNotPresent',
                command: ['python', '-c', TRAINING_SCRIPT],
                // No CUDA_VISIBLE_DEVICES (the guide sets 0): the driver injects exactly the claimed GPUs through CDI.
                resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi' }, claims: [{ name: GPU_CLAIM }] },
                securityContext: NO_PRIVILEGES,
                ...(nfs ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
              },
            ],
            ...(nfs ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: NFS_CLAIM_NAME } }] } : {}),
          },
        },
      },
    });
  }
}
