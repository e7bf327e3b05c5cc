import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { NfsStorageChart } from '../charts/nfs-storage';
import { loadSite } from '../lib/site/site';
import { chartObjects, EXAMPLE, find, problemsOf, renderAndValidate, siteWith } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite(EXAMPLE);
});

function build(site = example) {
  return Testing.synth(new NfsStorageChart(Testing.app(), 'test', { site }));
}

describe('nfs-storage', () => {
  it('matches the snapshot', () => {
    expect(build()).toMatchSnapshot();
  });

  it("renders the guide's volume: 10Ti, ReadWriteMany, its mount options, Retain, no StorageClass", () => {
    const pv = find(build(), 'PersistentVolume', 'onprem-storage-pv');
    expect(pv.metadata.namespace).toBeUndefined();
    expect(pv.spec).toMatchObject({
      capacity: { storage: '10Ti' },
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      nfs: { server: '192.168.1.100', path: '/export/data' },
      mountOptions: ['vers=4.1', 'rsize=1048576', 'wsize=1048576', 'hard', 'timeo=600', 'retrans=2'],
    });
  });

  it('binds the claim and the volume to each other by name', () => {
    const objects = build();
    const pv = find(objects, 'PersistentVolume', 'onprem-storage-pv');
    const pvc = find(objects, 'PersistentVolumeClaim', 'onprem-storage');
    expect(pvc.metadata.namespace).toBe('ml-workloads');
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: '',
      volumeName: 'onprem-storage-pv',
      resources: { requests: { storage: '10Ti' } },
    });
    expect(pv.spec.claimRef).toEqual({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ml-workloads', name: 'onprem-storage' });
  });

  it('takes capacity and mount options from the config', () => {
    const site = siteWith((doc) => {
      doc.storage.nfs.capacity = '500Gi';
      doc.storage.nfs.mountOptions = ['vers=4.2', 'hard'];
    });
    const objects = build(site);
    expect(find(objects, 'PersistentVolume', 'onprem-storage-pv').spec.capacity).toEqual({ storage: '500Gi' });
    expect(find(objects, 'PersistentVolume', 'onprem-storage-pv').spec.mountOptions).toEqual(['vers=4.2', 'hard']);
    expect(find(objects, 'PersistentVolumeClaim', 'onprem-storage').spec.resources.requests.storage).toBe('500Gi');
  });

  it('needs server and path when enabled, and renders nothing when disabled', () => {
    expect(problemsOf((doc) => delete doc.storage.nfs.server)).toEqual([expect.objectContaining({ path: 'storage.nfs.server' })]);
    expect(problemsOf((doc) => (doc.storage.nfs.path = 'export/data'))).toEqual([expect.objectContaining({ path: 'storage.nfs.path' })]);
    const off = siteWith((doc) => (doc.storage.nfs = { enabled: false }));
    const { files, findings } = renderAndValidate(off);
    expect(findings).toEqual([]);
    expect(chartObjects(files, 'nfs-storage')).toEqual([]);
  });

  it('passes strict validation for the example site', () => {
    expect(renderAndValidate(example).findings).toEqual([]);
  });
});
