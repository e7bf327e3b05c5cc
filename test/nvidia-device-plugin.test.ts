import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NvidiaDevicePluginChart } from '../charts/nvidia-device-plugin';
import { loadSite, type Site } from '../lib/site';
import { COMPUTE_TYPE_LABEL, gpuModeNodeSelector, GPU_MODE_LABEL, HYBRID, poolNodeLabels } from '../lib/placement';
import { selectorMatches } from '../lib/policy/selectors';
import { chartObjects, EXAMPLE, find, type Loose, renderAndValidate, siteWith } from './helpers/gpu-site';
import { loadSiteVariant, withoutDra } from './helpers/site-variant';

const example = loadSite(EXAMPLE);

function build(site = example) {
  return Testing.synth(new NvidiaDevicePluginChart(Testing.app(), 'test', { site }));
}

const podSpec = (ds: Loose) => ds.spec.template.spec;

describe('nvidia-device-plugin', () => {
  it('matches the snapshot', () => {
    expect(build()).toMatchSnapshot();
  });

  it("is at parity with NVIDIA's static manifest of v0.20.0", () => {
    const ds = find(build(), 'DaemonSet', 'nvidia-device-plugin-daemonset');
    expect(ds.apiVersion).toBe('apps/v1');
    expect(ds.metadata.namespace).toBe('kube-system');
    expect(ds.spec.selector.matchLabels).toEqual({ name: 'nvidia-device-plugin-ds' });
    expect(ds.spec.template.metadata.labels.name).toBe('nvidia-device-plugin-ds');
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    const spec = podSpec(ds);
    expect(spec.priorityClassName).toBe('system-node-critical');
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    const [container] = spec.containers;
    expect(spec.containers).toHaveLength(1);
    expect(container.name).toBe('nvidia-device-plugin-ctr');
    expect(container.image).toBe('nvcr.io/nvidia/k8s-device-plugin:v0.20.0');
    expect(container.env).toEqual([]);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toEqual([{ name: 'kubelet-device-plugins-dir', mountPath: '/var/lib/kubelet/device-plugins' }]);
    expect(spec.volumes).toEqual([
      { name: 'kubelet-device-plugins-dir', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } },
    ]);
  });

  it('adds what the static manifest lacks: pinning, requests, a memory limit, IfNotPresent', () => {
    const spec = podSpec(find(build(), 'DaemonSet', 'nvidia-device-plugin-daemonset'));
    expect(spec.nodeSelector).toEqual({ [COMPUTE_TYPE_LABEL]: HYBRID, [GPU_MODE_LABEL]: 'devicePlugin' });
    const [container] = spec.containers;
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  it('lands on the devicePlugin pool nodes and never on the dra pool nodes', () => {
    const selector = podSpec(find(build(), 'DaemonSet', 'nvidia-device-plugin-daemonset')).nodeSelector;
    for (const pool of example.config.nodePools) {
      const nodeLabels = { ...poolNodeLabels(pool), [COMPUTE_TYPE_LABEL]: HYBRID };
      expect(selectorMatches({ matchLabels: selector }, nodeLabels), pool.name).toBe(pool.gpu.mode === 'devicePlugin');
    }
  });

  it('has a node selector disjoint from the DRA kubelet plugin on every possible node', () => {
    const plugin = gpuModeNodeSelector('devicePlugin');
    const dra = gpuModeNodeSelector('dra');
    // Both require a value for the same key, and the values differ: no label set satisfies both.
    expect(plugin[GPU_MODE_LABEL]).toBeDefined();
    expect(dra[GPU_MODE_LABEL]).toBeDefined();
    expect(plugin[GPU_MODE_LABEL]).not.toBe(dra[GPU_MODE_LABEL]);
    for (const mode of ['none', 'devicePlugin', 'dra'] as const) {
      const pool = { ...example.config.nodePools[0], gpu: { ...example.config.nodePools[0].gpu, mode } };
      const labels = { ...poolNodeLabels(pool), [COMPUTE_TYPE_LABEL]: HYBRID };
      const both = selectorMatches({ matchLabels: plugin }, labels) && selectorMatches({ matchLabels: dra }, labels);
      expect(both, mode).toBe(false);
    }
  });

  it('tolerates every taint of its pools, not only nvidia.com/gpu', () => {
    const site = siteWith((doc) => {
      doc.nodePools[0].taints.push({ key: 'dedicated', value: 'training', effect: 'NoExecute' });
    });
    const spec = podSpec(find(build(site), 'DaemonSet', 'nvidia-device-plugin-daemonset'));
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'training', effect: 'NoExecute' },
    ]);
  });

  it('names RuntimeClass nvidia exactly when the site renders it, and never renders it itself', () => {
    const runtimeClassOf = (site: Site) => {
      const objects = build(site);
      expect(objects.map((o) => o.kind)).toEqual(['DaemonSet']);
      return podSpec(find(objects, 'DaemonSet', 'nvidia-device-plugin-daemonset')).runtimeClassName;
    };
    // The example's DCGM exporter on its dra pool needs the class; naming it is harmless where nvidia is the default.
    expect(runtimeClassOf(example)).toBe('nvidia');
    expect(runtimeClassOf(loadSiteVariant(withoutDra()))).toBeUndefined();
    expect(runtimeClassOf(loadSiteVariant({ ...withoutDra(), devicePlugin: { nvidiaRuntimeClass: true } }))).toBe('nvidia');
    expect(runtimeClassOf(loadSiteVariant({ dcgmExporter: { enabled: false } }))).toBeUndefined();
  });

  it('takes its image and version label from the config', () => {
    const site = siteWith((doc) => (doc.devicePlugin.image = 'nvcr.io/nvidia/k8s-device-plugin:v0.19.3'));
    const { files } = renderAndValidate(site);
    const ds = find(chartObjects(files, 'nvidia-device-plugin'), 'DaemonSet', 'nvidia-device-plugin-daemonset');
    expect(podSpec(ds).containers[0].image).toBe('nvcr.io/nvidia/k8s-device-plugin:v0.19.3');
    expect(ds.metadata.labels['app.kubernetes.io/version']).toBe('v0.19.3');
  });

  it('pulls through the Harbor proxy cache of nvcr.io when the site has one', () => {
    const site = siteWith((doc) => (doc.registry.proxyCache = { 'nvcr.io': 'nvcr-proxy' }));
    const [container] = podSpec(find(build(site), 'DaemonSet', 'nvidia-device-plugin-daemonset')).containers;
    expect(container.image).toBe(`${site.config.registry.hostname}/nvcr-proxy/nvidia/k8s-device-plugin:v0.20.0`);
  });

  it('is not rendered without a devicePlugin pool, or when disabled', () => {
    const noPool = siteWith((doc) => {
      doc.nodePools = doc.nodePools.filter((p: { gpu: { mode: string } }) => p.gpu.mode !== 'devicePlugin');
      doc.samples.gpuTest.enabled = false;
      doc.samples.gpuTraining.enabled = false;
    });
    expect(chartObjects(renderAndValidate(noPool).files, 'nvidia-device-plugin')).toEqual([]);
    const disabled = siteWith((doc) => (doc.devicePlugin.enabled = false));
    expect(chartObjects(renderAndValidate(disabled).files, 'nvidia-device-plugin')).toEqual([]);
  });

  it('passes strict validation for the example site', () => {
    const { files, findings } = renderAndValidate(example);
    expect(findings).toEqual([]);
    expect(stringify(chartObjects(files, 'nvidia-device-plugin'))).not.toContain('null');
  });
});
