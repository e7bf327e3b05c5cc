import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { DEFAULT_SITE } from '../lib/cli/cli';
import { buildSite } from '../lib/pipeline/pipeline';
import { siteVariantFile } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };

/** Each component's switch in the site config, and the chart file it removes when off. */
const SWITCHES: readonly [file: string, overrides: Record<string, unknown>][] = [
  ['never-pruned/10-coredns.yaml', { coredns: { enabled: false } }],
  // RuntimeClass nvidia follows the GPU agents that need it (DCGM exporter on dra pools here).
  ['19-nvidia-runtime-class.yaml', { dcgmExporter: { enabled: false } }],
  ['11-registry-credentials.yaml', { pullSecrets: { enabled: false } }],
  ['12-registry-ca-trust.yaml', { registryCaTrust: { enabled: false } }],
  ['20-nvidia-device-plugin.yaml', { devicePlugin: { enabled: false }, samples: { gpuTest: { enabled: false }, gpuTraining: { enabled: false } } }],
  ['21-nvidia-dra-driver.yaml', { draDriver: { enabled: false }, dra: { claimTemplates: [] }, samples: { mlTraining: { enabled: false } } }],
  ['23-dra-claims.yaml', { dra: { claimTemplates: [] }, samples: { mlTraining: { enabled: false } } }],
  ['30-nfs-storage.yaml', { storage: { nfs: { enabled: false } } }],
  ['40-prometheus.yaml', { monitoring: { enabled: false } }],
  ['41-dcgm-exporter.yaml', { dcgmExporter: { enabled: false } }],
  ['50-cluster-autoscaler.yaml', { clusterAutoscaler: { enabled: false } }],
  ['60-gpu-workloads.yaml', { samples: { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, mlTraining: { enabled: false }, cloudGpuTest: { enabled: false } } }],
  ['61-web-api.yaml', { webApi: { enabled: false } }],
  ['62-harbor-test.yaml', { harborTest: { enabled: false } }],
];

const chartFiles = (file: string, overrides?: Record<string, unknown>) => {
  const build = buildSite(overrides ? siteVariantFile(overrides) : file, registry);
  expect(build.findings.filter((f) => f.severity === 'error')).toEqual([]);
  return build.result.files.map((f) => f.path);
};

describe('every component can be switched off', () => {
  let all!: string[];
  setUp(() => {
    all = chartFiles(DEFAULT_SITE);
  });

  it('the example renders every component', () => {
    expect([...all].sort()).toEqual(['00-namespaces.yaml', ...SWITCHES.map(([f]) => f)].sort());
  });

  it.each(SWITCHES)('%s disappears when switched off, and the rest still validates', (file, overrides) => {
    const files = chartFiles(DEFAULT_SITE, overrides);
    expect(files).not.toContain(file);
    expect(files).toContain('00-namespaces.yaml');
  });

  it('with everything off nothing is rendered, not even a namespace', () => {
    const everything = Object.assign({}, ...SWITCHES.map(([, o]) => o));
    // deep-merge the samples switches, which several entries set
    everything.samples = { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, mlTraining: { enabled: false }, cloudGpuTest: { enabled: false } };
    expect(chartFiles(DEFAULT_SITE, everything)).toEqual([]);
  });
});
