import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import { DEVICE_PLUGIN_IMAGE } from '../lib/config/gpu';
import type { SiteConfig } from '../lib/config/schema';
import { imageRef, releaseTag } from '../lib/model/images';
import { emit, type Typed } from '../lib/render/k8s';
import { devicePluginAffinity, gpuAgentTolerations, nvidiaRuntimeClassField } from '../lib/model/placement';
import { imagePullSecretsField } from '../lib/model/pull-secrets';
import { NO_PRIVILEGES } from '../lib/model/security-context';
import type { Site } from '../lib/site/site';

/** Object names and the selector label of NVIDIA's static manifest, kept so an existing install is adopted in place. */
const NAME = 'nvidia-device-plugin-daemonset';
const NAMESPACE = 'kube-system';
const SELECTOR = { name: 'nvidia-device-plugin-ds' };
const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';

/** The device plugin release for the version label: `v0.20.0` from `…/k8s-device-plugin:v0.20.0` (see releaseTag). */
export function devicePluginVersion(config: SiteConfig): string {
  return releaseTag(config.devicePlugin.image, DEVICE_PLUGIN_IMAGE);
}

export interface NvidiaDevicePluginChartProps {
  /** The site whose devicePlugin pools and cloud NVIDIA node groups the plugin runs on. */
  readonly site: Site;
}

/**
 * NVIDIA k8s-device-plugin, at parity with NVIDIA's static manifest of the release (DaemonSet in
 * kube-system, `nvidia.com/gpu` toleration, system-node-critical, no privileges, the kubelet's
 * device-plugin directory). Unlike that manifest it is pinned by required node affinity to the hybrid
 * devicePlugin pools and the cloud node groups with NVIDIA instances, so it never shares a node with the
 * DRA driver's GPU plugin, and its container gets requests and a memory limit. It has the name, namespace
 * and selector of the manifest eksctl installs for NVIDIA node groups: applied over that install, it takes
 * it over instead of running a second plugin on the cloud GPU nodes.
 */
export class NvidiaDevicePluginChart extends Chart {
  constructor(scope: Construct, id: string, props: NvidiaDevicePluginChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;

    emit<Typed<DaemonSet>>(this, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: NAME, namespace: NAMESPACE },
      spec: {
        selector: { matchLabels: SELECTOR },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: { ...SELECTOR, 'app.kubernetes.io/name': 'nvidia-device-plugin' } },
          spec: {
            affinity: devicePluginAffinity(config),
            tolerations: gpuAgentTolerations(config, 'devicePlugin'),
            priorityClassName: 'system-node-critical',
            // NVML comes from nvidia-container-runtime: containerd's default on devicePlugin pools and on EKS's NVIDIA
            // AMIs, or named when the site renders RuntimeClass nvidia (every GPU pool defines the handler, and nodeadm
            // on an EKS NVIDIA AMI names its runtime `nvidia` too, so naming it is always safe).
            ...nvidiaRuntimeClassField(config),
            ...imagePullSecretsField(config, NAMESPACE),
            containers: [
              {
                name: 'nvidia-device-plugin-ctr',
                image: imageRef(config, config.devicePlugin.image),
                imagePullPolicy: 'IfNotPresent',
                // v0.18.0+ ships `env: []`: FAIL_ON_INIT_ERROR keeps its default (true), so a broken node fails visibly.
                env: [],
                // The plugin idles between kubelet calls; NVIDIA sets no resources, these keep it from being evicted first.
                resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                securityContext: NO_PRIVILEGES,
                volumeMounts: [{ name: 'kubelet-device-plugins-dir', mountPath: DEVICE_PLUGIN_DIR }],
              },
            ],
            volumes: [{ name: 'kubelet-device-plugins-dir', hostPath: { path: DEVICE_PLUGIN_DIR, type: 'Directory' } }],
          },
        },
      },
    });
  }
}
