import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { NFS_CLAIM_NAME, NFS_VOLUME_NAME } from '../lib/config/gpu';
import { emit, type Typed } from '../lib/render/k8s';
import { WORKLOADS_NAMESPACE } from '../lib/model/namespaces';
import type { Site } from '../lib/site/site';


export interface NfsStorageChartProps {
  /** The site whose `storage.nfs` export is rendered. */
  readonly site: Site;
}

/**
 * The on-prem NFS export as a statically provisioned PersistentVolume and the claim bound to it. The
 * binding is fixed from both sides (the claim names the volume, the volume reserves the claim) and
 * `storageClassName: ""` keeps the default StorageClass (EBS on EKS) from provisioning a volume instead.
 * Retain: deleting the claim must never touch the data on the filer.
 */
export class NfsStorageChart extends Chart {
  constructor(scope: Construct, id: string, props: NfsStorageChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const nfs = props.site.config.storage.nfs;
    emit<Typed<PersistentVolume>>(this, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: NFS_VOLUME_NAME },
      spec: {
        capacity: { storage: nfs.capacity },
        accessModes: ['ReadWriteMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        mountOptions: [...nfs.mountOptions],
        // The config checks require server and path when NFS is enabled.
        // Stryker disable next-line StringLiteral: equivalent, never used: the chart is rendered only when NFS is enabled, and then the config checks require both
        nfs: { server: nfs.server ?? '', path: nfs.path ?? '' },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: WORKLOADS_NAMESPACE, name: NFS_CLAIM_NAME },
      },
    });
    emit<Typed<PersistentVolumeClaim>>(this, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: NFS_CLAIM_NAME, namespace: WORKLOADS_NAMESPACE },
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: NFS_VOLUME_NAME,
        resources: { requests: { storage: nfs.capacity } },
      },
    });
  }
}
