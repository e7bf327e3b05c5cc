/**
 * The generated fleet of `npm run bench` (scripts/bench.ts) and of test/yaml-emit.test.ts: site files
 * that extend the example, varied in minor, pools and sizes.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SUPPORTED_KUBERNETES_VERSIONS, minorOf } from '../lib/core/versions';

const ROOT = resolve(__dirname, '..');
const EXAMPLE = 'sites/example.yaml';

/**
 * A varied fleet: each site extends the example (so it exercises overlays) with its own name, a
 * Kubernetes minor from the supported list, 1–3 extra pools and varied server counts and sizes.
 * Sites older than 1.33 drop DRA, which EKS does not serve there.
 */
export function writeFleet(dir: string, count: number): string[] {
  copyFileSync(join(ROOT, 'sites', 'example-harbor-ca.crt'), join(dir, 'example-harbor-ca.crt'));
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const version = SUPPORTED_KUBERNETES_VERSIONS[i % SUPPORTED_KUBERNETES_VERSIONS.length];
    const dra = minorOf(version) >= 33;
    const taint = [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }];
    const pools = [
      { name: 'gpu-h100', count: 1 + (i % 8), vcpus: [112, 224, 256][i % 3], labels: { gpu: 'h100' }, taints: taint, gpu: { mode: 'devicePlugin', model: 'H100', perNode: 8 } },
      ...(dra ? [{ name: 'gpu-h100-dra', count: 1 + (i % 5), vcpus: 224, labels: { gpu: 'h100' }, taints: taint, gpu: { mode: 'dra', model: 'H100', perNode: 8 } }] : []),
      ...Array.from({ length: 1 + (i % 3) }, (_, p) => ({ name: `cpu-${p}`, count: 2 + ((i + p) % 10), vcpus: [32, 64, 96][(i + p) % 3] })),
    ];
    const site: Record<string, unknown> = {
      extends: join(ROOT, EXAMPLE),
      name: `site-${String(i).padStart(4, '0')}`,
      kubernetesVersion: version,
      cluster: { name: `fleet-${i}` },
      registry: { caFile: 'example-harbor-ca.crt' },
      nodePools: pools,
      ...(dra ? {} : { dra: { claimTemplates: [] }, samples: { mlTraining: { enabled: false } } }),
    };
    const file = join(dir, `site-${String(i).padStart(4, '0')}.yaml`);
    writeFileSync(file, stringify(site));
    files.push(file);
  }
  return files;
}

