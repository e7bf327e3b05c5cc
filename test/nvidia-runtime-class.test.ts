import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NvidiaRuntimeClassChart } from '../charts/nvidia-runtime-class';
import type { Manifest } from '../lib/core/manifest';
import { nodeConfigFiles } from '../lib/artifacts/nodeadm';
import { nvidiaRuntimeClassRendered } from '../lib/model/placement';
import { podSpecOf } from '../lib/validate/policy/pods';
import { loadSite, type Site } from '../lib/site/site';
import { nodeGroups, podFits } from '../lib/artifacts/site-readme';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { chartObjects, EXAMPLE, problemsOf, renderAndValidate, type SiteDocument, siteWith } from './helpers/gpu-site';
import { exampleFor } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

/** What the NodeConfig of one pool tells containerd about runtimes, read back from the rendered TOML. */
interface PoolRuntimes {
  /** The runtime a pod without runtimeClassName gets. */
  readonly defaultRuntime: string;
  /** Runtime handlers defined besides containerd's built-in runc. */
  readonly handlers: readonly string[];
  /** Whether containerd injects CDI devices (what DRA needs). */
  readonly cdi: boolean;
}

function poolRuntimes(site: Site): Map<string, PoolRuntimes> {
  const out = new Map<string, PoolRuntimes>();
  for (const file of nodeConfigFiles(site.config)) {
    // No drop-in (CPU pools): nodeadm's own config, runc only.
    const toml = (parse(file.content) as { spec: { containerd?: { config: string } } }).spec.containerd?.config ?? '';
    const pool = /^nodes\/(.+)\.nodeconfig\.yaml$/.exec(file.path)![1];
    out.set(pool, {
      defaultRuntime: /default_runtime_name = "([^"]+)"/.exec(toml)?.[1] ?? 'runc',
      handlers: [...toml.matchAll(/^\[plugins\.".+"\.containerd\.runtimes\.([a-z0-9-]+)\]$/gm)].map((m) => m[1])
        .filter((h) => h !== 'runc'),
      // containerd 2 has CDI on by default; 1.7 needs enable_cdi
      cdi: toml.startsWith('version = 3') || toml.includes('enable_cdi = true'),
    });
  }
  return out;
}

/** Pods that only work with nvidia-container-runtime: NVIDIA's agents and every device-plugin GPU consumer. */
function needsNvidiaRuntime(object: Manifest, spec: Record<string, any>): boolean {
  const component = object.metadata.labels?.['app.kubernetes.io/component'];
  if (component === 'nvidia-device-plugin' || component === 'dcgm-exporter') return true;
  return (spec.containers ?? []).some((c: any) => 'nvidia.com/gpu' in (c.resources?.limits ?? {}) || 'nvidia.com/gpu' in (c.resources?.requests ?? {}));
}

const BASE_POOL = { count: 1, vcpus: 224, labels: { gpu: 'h100' }, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] };

interface Switches {
  readonly nvidiaRuntimeClass: boolean;
  readonly dcgm: boolean;
  readonly draPool: boolean;
  readonly pluginPool: boolean;
}

/** The example with a CPU pool plus the chosen GPU pools, the samples those pools can run, and the switches. */
function edit(s: Switches): (doc: SiteDocument) => void {
  return (doc) => {
    doc.nodePools = [
      { name: 'cpu', count: 1, vcpus: 16 },
      ...(s.pluginPool ? [{ ...BASE_POOL, name: 'gpu-plugin', gpu: { mode: 'devicePlugin', model: 'H100', perNode: 8 } }] : []),
      ...(s.draPool ? [{ ...BASE_POOL, name: 'gpu-dra', gpu: { mode: 'dra', model: 'H100', perNode: 8 } }] : []),
    ];
    doc.devicePlugin.nvidiaRuntimeClass = s.nvidiaRuntimeClass;
    doc.dcgmExporter.enabled = s.dcgm;
    doc.samples.gpuTest.enabled = s.pluginPool;
    doc.samples.gpuTraining.enabled = s.pluginPool;
    doc.samples.mlTraining.enabled = s.draPool;
    if (!s.draPool) doc.dra.claimTemplates = [];
  };
}

const MATRIX: Switches[] = [false, true].flatMap((nvidiaRuntimeClass) =>
  [false, true].flatMap((dcgm) =>
    [false, true].flatMap((draPool) => [false, true].map((pluginPool) => ({ nvidiaRuntimeClass, dcgm, draPool, pluginPool }))),
  ),
);
/** The example's minor (containerd 1.7) and the newest (containerd 2, whose TOML sections differ). */
const VERSIONS = [undefined, SUPPORTED_KUBERNETES_VERSIONS[SUPPORTED_KUBERNETES_VERSIONS.length - 1]] as const;
const name = (s: Switches) =>
  `nvidiaRuntimeClass ${s.nvidiaRuntimeClass ? 'on' : 'off'}, dcgm ${s.dcgm ? 'on' : 'off'}, ${s.draPool ? 'a' : 'no'} dra pool, ${s.pluginPool ? 'a' : 'no'} devicePlugin pool`;

describe('nvidia-runtime-class chart', () => {
  let objects!: ReturnType<typeof Testing.synth>;
  setUp(() => {
    objects = Testing.synth(new NvidiaRuntimeClassChart(Testing.app(), 'test'));
  });

  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it("is NVIDIA's RuntimeClass: name and handler nvidia, cluster-scoped, nothing else", () => {
    expect(objects).toEqual([{ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'nvidia' }, handler: 'nvidia' }]);
  });

  it('is rendered for the example (DCGM exporter on its dra pool) and passes strict validation', () => {
    const { files, findings } = renderAndValidate(loadSite(EXAMPLE));
    expect(findings).toEqual([]);
    const [runtimeClass] = chartObjects(files, 'nvidia-runtime-class');
    expect(runtimeClass.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'nvidia-runtime-class' });
    expect(files.find((f) => f.chart === 'nvidia-runtime-class')?.path).toBe('19-nvidia-runtime-class.yaml');
    expect(files.filter((f) => f.objects.some((o) => o.kind === 'RuntimeClass')).map((f) => f.chart)).toEqual(['nvidia-runtime-class']);
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS.map((v) => [v]))('Kubernetes %s: the example renders with no finding', (version) => {
    expect(renderAndValidate(exampleFor(version)).findings).toEqual([]);
  });
});

describe('nvidia runtime on every combination of switches', () => {
  it('rejects the DCGM exporter without any GPU pool (so those combinations never render)', () => {
    for (const s of MATRIX.filter((m) => m.dcgm && !m.draPool && !m.pluginPool)) {
      expect(problemsOf(edit(s)).map((p) => p.path), name(s)).toEqual(['dcgmExporter.enabled']);
    }
  });

  const renderable = MATRIX.filter((s) => !(s.dcgm && !s.draPool && !s.pluginPool));
  it.each(VERSIONS.flatMap((v) => renderable.map((s) => [v ?? 'example minor', name(s), s, v] as const)))('%s, %s', (_, __, s, version) => {
    const site = siteWith(edit(s), version);
    const { files, findings } = renderAndValidate(site);
    // No dangling runtimeClassName (reference-exists) nor anything else.
    expect(findings).toEqual([]);

    const runtimeClasses = files.flatMap((f) => f.objects).filter((o) => o.kind === 'RuntimeClass');
    const rendered = (s.nvidiaRuntimeClass && s.pluginPool) || (s.dcgm && s.draPool);
    expect(nvidiaRuntimeClassRendered(site.config)).toBe(rendered);
    expect(runtimeClasses.map((o) => `${o.metadata.name} → ${(o as any).handler}`)).toEqual(rendered ? ['nvidia → nvidia'] : []);

    // The NodeConfig rule: dra pools define the handler and keep runc the default (CDI on); devicePlugin
    // pools make nvidia the default unless nvidiaRuntimeClass; CPU pools know nothing of it.
    const runtimes = poolRuntimes(site);
    expect(runtimes.get('cpu')).toMatchObject({ defaultRuntime: 'runc', handlers: [] });
    if (s.draPool) expect(runtimes.get('gpu-dra')).toEqual({ defaultRuntime: 'runc', handlers: ['nvidia'], cdi: true });
    if (s.pluginPool) {
      expect(runtimes.get('gpu-plugin')).toMatchObject({ defaultRuntime: s.nvidiaRuntimeClass ? 'runc' : 'nvidia', handlers: ['nvidia'] });
    }

    // Every pod on every hybrid pool it can land on gets the runtime it needs, from the pool's default or
    // its RuntimeClass; DRA pods never get the nvidia runtime.
    const pods = files.flatMap((f) => f.objects).flatMap((o) => {
      const pod = podSpecOf(o);
      return pod ? [{ object: o, spec: pod.spec as Record<string, any> }] : [];
    });
    const pools = nodeGroups(site.config).filter((g) => g.kind === 'hybrid');
    let checked = 0;
    for (const { object, spec } of pods) {
      const id = `${object.kind} ${object.metadata.name}`;
      const runtimeClass = runtimeClasses.find((r) => r.metadata.name === spec.runtimeClassName) as { handler?: string } | undefined;
      if (spec.runtimeClassName !== undefined) expect(runtimeClass, `${id} names a RuntimeClass that is not rendered`).toBeDefined();
      for (const pool of pools.filter((p) => podFits(spec, p))) {
        const poolRuntime = runtimes.get(pool.name)!;
        const handler = runtimeClass ? runtimeClass.handler : poolRuntime.defaultRuntime;
        if (runtimeClass) expect(poolRuntime.handlers, `${id} on ${pool.name}`).toContain(handler);
        if (needsNvidiaRuntime(object, spec)) {
          expect(handler, `${id} on ${pool.name}`).toBe('nvidia');
          checked += 1;
        }
        if ((spec.resourceClaims ?? []).length > 0) {
          expect(handler, `${id} on ${pool.name}`).not.toBe('nvidia');
          expect(spec.runtimeClassName, id).toBeUndefined();
          checked += 1;
        }
      }
      // The agents and device-plugin samples name it exactly when it is rendered.
      if (needsNvidiaRuntime(object, spec)) expect(spec.runtimeClassName, id).toBe(rendered ? 'nvidia' : undefined);
    }
    // The loop really saw the GPU pods of this combination.
    const expected = (s.pluginPool ? 3 : 0) + (s.draPool ? 1 : 0) + (s.dcgm ? Number(s.pluginPool) + Number(s.draPool) : 0);
    expect(checked).toBe(expected);
  });
});
