import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, runCli } from '../lib/cli/cli';
import { problemsOf, type SiteDocument, writeSite } from './helpers/gpu-site';

type Edit = (doc: SiteDocument) => void;

/** Index of the example's devicePlugin pool (gpu-h100) and dra pool (gpu-h100-dra). */
const PLUGIN = 0;
const DRA = 1;

describe('GPU config checks', () => {
  it('accepts the example site', () => {
    expect(problemsOf(() => {})).toEqual([]);
  });

  const cases: [string, Edit, string | undefined, { path: string; message: string | RegExp; value?: unknown }][] = [
    [
      'a pool asking for both the device plugin and DRA',
      (doc) => (doc.nodePools[PLUGIN].gpu.mode = ['devicePlugin', 'dra']),
      undefined,
      { path: 'nodePools[0].gpu.mode', message: /cannot use both the device plugin and DRA/, value: ['devicePlugin', 'dra'] },
    ],
    [
      'a made-up mode "both"',
      (doc) => (doc.nodePools[PLUGIN].gpu.mode = 'both'),
      undefined,
      { path: 'nodePools[0].gpu.mode', message: /must be exactly one of none, devicePlugin, dra/, value: 'both' },
    ],
    [
      'a pool setting the gpu-mode label itself (a second mode through the back door)',
      (doc) => (doc.nodePools[PLUGIN].labels['eks-hybrid-charts/gpu-mode'] = 'dra'),
      undefined,
      { path: 'nodePools[0].labels["eks-hybrid-charts/gpu-mode"]', message: /set on the nodes by nodeadm or the generator/, value: 'dra' },
    ],
    [
      'a GPU pool without GPUs',
      (doc) => (doc.nodePools[PLUGIN].gpu.perNode = 0),
      undefined,
      { path: 'nodePools[0].gpu.perNode', message: 'a pool with gpu.mode devicePlugin needs at least 1 GPU per node', value: 0 },
    ],
    [
      'GPUs that mode none hides',
      (doc) => {
        doc.nodePools.push({ name: 'cpu', count: 1, vcpus: 64, gpu: { mode: 'none', perNode: 8 } });
      },
      undefined,
      { path: 'nodePools[2].gpu.mode', message: /mode none exposes none of them/, value: 'none' },
    ],
    [
      'a dra pool on 1.31',
      () => {},
      '1.31',
      { path: 'nodePools[1].gpu.mode', message: /needs Kubernetes 1.33 or later on EKS .* on 1.31 resource.k8s.io\/v1alpha3 is alpha/, value: 'dra' },
    ],
    [
      'more GPUs for gpu-training than the pool has per node',
      (doc) => (doc.samples.gpuTraining.gpus = 16),
      undefined,
      { path: 'samples.gpuTraining.gpus', message: 'is more than the 8 GPUs per node of pool gpu-h100; the pod could never be scheduled', value: 16 },
    ],
    [
      'gpu-test on the dra pool',
      (doc) => (doc.samples.gpuTest.pool = 'gpu-h100-dra'),
      undefined,
      { path: 'samples.gpuTest.pool', message: 'pool gpu-h100-dra has gpu.mode dra; the sample requests nvidia.com/gpu, which only devicePlugin pools advertise', value: 'gpu-h100-dra' },
    ],
    [
      'the DRA sample on a device-plugin pool',
      (doc) => (doc.samples.mlTraining.pool = 'gpu-h100'),
      undefined,
      { path: 'samples.mlTraining.pool', message: 'pool gpu-h100 has gpu.mode devicePlugin; the sample allocates GPUs through a DRA claim, which only dra pools serve', value: 'gpu-h100' },
    ],
    [
      'a sample on a pool that does not exist',
      (doc) => (doc.samples.gpuTest.pool = 'gpu-a100'),
      undefined,
      { path: 'samples.gpuTest.pool', message: 'no such node pool (pools: gpu-h100, gpu-h100-dra)', value: 'gpu-a100' },
    ],
    [
      'the DRA sample with an unknown claim template',
      (doc) => (doc.samples.mlTraining.claimTemplate = 'big-claim'),
      undefined,
      { path: 'samples.mlTraining.claimTemplate', message: 'no dra.claimTemplates entry has this name (defined: ml-training-claim)', value: 'big-claim' },
    ],
    [
      'a claim for more GPUs than a dra node has',
      (doc) => (doc.dra.claimTemplates[0].count = 9),
      undefined,
      { path: 'dra.claimTemplates[0].count', message: /more GPUs than any dra node has \(largest: 8 per node\)/, value: 9 },
    ],
    [
      'claim templates without a dra pool',
      (doc) => {
        doc.nodePools[DRA].gpu.mode = 'devicePlugin';
        doc.samples.mlTraining.enabled = false;
      },
      undefined,
      { path: 'dra.claimTemplates[0]', message: 'no node pool has gpu.mode dra, so the claim could never be allocated', value: 'ml-training-claim' },
    ],
    [
      'a duplicate claim template',
      (doc) => doc.dra.claimTemplates.push({ ...doc.dra.claimTemplates[0] }),
      undefined,
      { path: 'dra.claimTemplates[1].name', message: /duplicate claim template name/, value: 'ml-training-claim' },
    ],
    [
      'the DRA sample on 1.30',
      (doc) => {
        doc.nodePools[DRA].gpu.mode = 'devicePlugin';
        doc.dra.claimTemplates = [];
      },
      '1.30',
      { path: 'samples.mlTraining.enabled', message: /uses a DRA claim, which needs Kubernetes 1.33 or later .*v1alpha2 is alpha/, value: true },
    ],
    [
      'RuntimeClass nvidia without the chart that renders it',
      (doc) => {
        doc.devicePlugin.enabled = false;
        doc.devicePlugin.nvidiaRuntimeClass = true;
      },
      undefined,
      { path: 'devicePlugin.nvidiaRuntimeClass', message: /devicePlugin.enabled turns the plugin off/, value: true },
    ],
    [
      'the cloud GPU sample on a node group without NVIDIA GPUs',
      (doc) => (doc.samples.cloudGpuTest.nodeGroup = 'cpu-nodes'),
      undefined,
      { path: 'samples.cloudGpuTest.nodeGroup', message: 'node group cpu-nodes has instance type m5.xlarge, which has no NVIDIA GPU; the sample requests nvidia.com/gpu', value: 'cpu-nodes' },
    ],
    [
      'the cloud GPU sample on a node group that does not exist',
      (doc) => (doc.samples.cloudGpuTest.nodeGroup = 'gpu-node'),
      undefined,
      { path: 'samples.cloudGpuTest.nodeGroup', message: 'no such cloud node group (cloudNodeGroups: cpu-nodes, gpu-nodes)', value: 'gpu-node' },
    ],
    [
      'the cloud GPU sample on a site whose only accelerated group is AMD (g4ad)',
      (doc) => (doc.cloudNodeGroups[1].instanceType = 'g4ad.xlarge'),
      undefined,
      { path: 'samples.cloudGpuTest.enabled', message: /no cloudNodeGroups entry has an NVIDIA instance type/, value: true },
    ],
    [
      'a dra pool on 1.32 (the beta API EKS does not serve)',
      () => {},
      '1.32',
      { path: 'nodePools[1].gpu.mode', message: /on 1.32 resource.k8s.io\/v1beta1 is beta and off by default, and AWS documents .* only from EKS 1.33/, value: 'dra' },
    ],
  ];

  it.each(cases)('%s', (_name, edit, version, expected) => {
    const problems = problemsOf(edit, version);
    expect(problems).toContainEqual(
      expect.objectContaining({
        path: expected.path,
        message: typeof expected.message === 'string' ? expected.message : expect.stringMatching(expected.message),
        ...('value' in expected ? { value: expected.value } : {}),
      }),
    );
  });

  it('stops the CLI with exit 2 and `<file>: <field>: <what> (got <value>)`', async () => {
    const file = writeSite((doc) => (doc.samples.gpuTraining.gpus = 16));
    const err: string[] = [];
    const out: string[] = [];
    const outRoot = mkdtempSync(join(tmpdir(), 'ehc-gpu-out-'));
    const code = await runCli(['synth', '--site', file, '--out', outRoot], { charts: CHARTS, artifacts: ARTIFACTS }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(err.join('\n').split('\n')).toContain(
      `${file}: samples.gpuTraining.gpus: is more than the 8 GPUs per node of pool gpu-h100; the pod could never be scheduled (got 16)`,
    );
  });
});

describe('GPU config bounds at both edges (issue 21)', () => {
  it('gpu.perNode: 0 to 64 GPUs per server', () => {
    expect(problemsOf((doc) => (doc.nodePools[PLUGIN].gpu.perNode = 64))).toEqual([]);
    expect(problemsOf((doc) => (doc.nodePools[PLUGIN].gpu.perNode = 65))).toEqual([{ path: 'nodePools[0].gpu.perNode', message: 'must be <= 64', value: 65 }]);
    expect(problemsOf((doc) => doc.nodePools.push({ name: 'cpu', count: 1, vcpus: 64, gpu: { mode: 'none', perNode: 0 } }))).toEqual([]);
    expect(problemsOf((doc) => doc.nodePools.push({ name: 'cpu', count: 1, vcpus: 64, gpu: { mode: 'none', perNode: -1 } }))).toEqual([
      { path: 'nodePools[2].gpu.perNode', message: 'must be >= 0', value: -1 },
    ]);
  });

  it('samples.gpuTraining.gpus: 1 to 64, and at most the pool\'s GPUs per node', () => {
    const training = (gpus: number, perNode = 64) => (doc: SiteDocument) => {
      doc.nodePools[PLUGIN].gpu.perNode = perNode;
      doc.samples.gpuTraining.gpus = gpus;
    };
    expect(problemsOf(training(64))).toEqual([]);
    expect(problemsOf(training(1))).toEqual([]);
    expect(problemsOf(training(65)).map((p) => `${p.path}: ${p.message}`)).toContain('samples.gpuTraining.gpus: must be <= 64');
    expect(problemsOf(training(0)).map((p) => `${p.path}: ${p.message}`)).toContain('samples.gpuTraining.gpus: must be >= 1');
    expect(problemsOf(training(8, 8))).toEqual([]);
    expect(problemsOf(training(9, 8)).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'samples.gpuTraining.gpus: is more than the 8 GPUs per node of pool gpu-h100; the pod could never be scheduled',
    ]);
  });
});

describe('GPU config checks, both sides of each (issue 21)', () => {
  const messages = (edit: Edit, version?: string) => problemsOf(edit, version).map((p) => `${p.path}: ${p.message}`);

  it('a claim for exactly the GPUs of the largest dra node fits; one more does not', () => {
    expect(problemsOf((doc) => (doc.dra.claimTemplates[0].count = 8))).toEqual([]);
    expect(messages((doc) => {
      doc.nodePools[DRA].gpu.perNode = 4;
      doc.nodePools.push({ ...doc.nodePools[DRA], name: 'gpu-dra-big', gpu: { ...doc.nodePools[DRA].gpu, perNode: 6 } });
      doc.samples.mlTraining.enabled = false;
      doc.dra.claimTemplates[0].count = 7;
    })).toEqual(['dra.claimTemplates[0].count: asks for more GPUs than any dra node has (largest: 6 per node); a claim is allocated on one node']);
  });

  it('the ml-training claim must fit on its own pool', () => {
    expect(messages((doc) => {
      doc.nodePools[DRA].gpu.perNode = 4;
      doc.nodePools.push({ ...doc.nodePools[DRA], name: 'gpu-dra-big', gpu: { ...doc.nodePools[DRA].gpu, perNode: 8 } });
      doc.dra.claimTemplates[0].count = 8;
    })).toEqual(['samples.mlTraining.claimTemplate: claim template ml-training-claim asks for 8 GPUs but pool gpu-h100-dra has 4 per node']);
    expect(problemsOf((doc) => {
      doc.nodePools[DRA].gpu.perNode = 4;
      doc.dra.claimTemplates[0].count = 4;
    })).toEqual([]);
  });

  it('gpu-test needs a devicePlugin pool when it names none', () => {
    expect(messages((doc) => {
      doc.nodePools[PLUGIN].gpu.mode = 'dra';
      doc.samples.gpuTraining.enabled = false;
      doc.devicePlugin.enabled = false;
      doc.samples.cloudGpuTest.enabled = false;
    })).toEqual(['samples.gpuTest.enabled: no node pool has gpu.mode devicePlugin; the sample requests nvidia.com/gpu, which only devicePlugin pools advertise']);
  });

  it('the cloud GPU sample: an unknown node group, none with NVIDIA instances, or off', () => {
    expect(messages((doc) => (doc.samples.cloudGpuTest.nodeGroup = 'gpu-big'))).toEqual(['samples.cloudGpuTest.nodeGroup: no such cloud node group (cloudNodeGroups: cpu-nodes, gpu-nodes)']);
    expect(problemsOf((doc) => (doc.samples.cloudGpuTest.nodeGroup = 'gpu-nodes'))).toEqual([]);
    const cpuOnly = (doc: SiteDocument) => (doc.cloudNodeGroups = doc.cloudNodeGroups.filter((g: { name: string }) => g.name === 'cpu-nodes'));
    expect(messages(cpuOnly)).toEqual([
      'samples.cloudGpuTest.enabled: no cloudNodeGroups entry has an NVIDIA instance type (g4dn, g5, g6, p4d, p5, …); the sample requests nvidia.com/gpu on a cloud GPU node',
    ]);
    expect(problemsOf((doc) => {
      cpuOnly(doc);
      doc.samples.cloudGpuTest.enabled = false;
    })).toEqual([]);
  });

  it('ComputeDomains are refused while not rendered', () => {
    expect(messages((doc) => (doc.draDriver.computeDomains = { enabled: true }))).toEqual([
      'draDriver.computeDomains.enabled: ComputeDomains (multi-node NVLink/IMEX) are not rendered yet: they need the ComputeDomain CRDs and the controller; H100 HGX/PCIe servers do not use them',
    ]);
  });

  it('NFS needs its server and its path, each named', () => {
    expect(messages((doc) => {
      delete doc.storage.nfs.server;
      delete doc.storage.nfs.path;
    })).toEqual([
      'storage.nfs.server: is required when storage.nfs.enabled is true (NFS server address, e.g. 192.168.1.100)',
      'storage.nfs.path: is required when storage.nfs.enabled is true (exported path, e.g. /export/data)',
    ]);
    expect(problemsOf((doc) => (doc.storage.nfs = { enabled: false }))).toEqual([]);
  });
});

describe('GPU config checks, the other side of each condition (issue 21)', () => {
  const messages = (edit: Edit, version?: string) => problemsOf(edit, version).map((p) => `${p.path}: ${p.message}`);

  it('a devicePlugin pool with a single GPU per node is enough', () => {
    expect(problemsOf((doc) => {
      doc.nodePools[PLUGIN].gpu.perNode = 1;
      doc.samples.gpuTraining.gpus = 1;
    })).toEqual([]);
  });

  it('a claim template on a minor without DRA is named at its index', () => {
    const problems = problemsOf(() => {}, '1.31').filter((p) => p.path.startsWith('dra.claimTemplates'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'dra.claimTemplates[0]', value: 'ml-training-claim' });
    expect(problems[0].message).toMatch(/^a DRA claim template needs Kubernetes 1\.33 or later on EKS /);
  });

  it('RuntimeClass nvidia is fine whenever the plugin is on, and unset is fine with the plugin off', () => {
    expect(problemsOf((doc) => (doc.devicePlugin.nvidiaRuntimeClass = true))).toEqual([]);
    expect(problemsOf((doc) => {
      doc.devicePlugin.enabled = false;
      doc.devicePlugin.nvidiaRuntimeClass = false;
    })).toEqual([]);
  });

  it('a sample naming a pool of the right mode is accepted', () => {
    expect(problemsOf((doc) => {
      doc.samples.gpuTest.pool = 'gpu-h100';
      doc.samples.gpuTraining.pool = 'gpu-h100';
      doc.samples.mlTraining.pool = 'gpu-h100-dra';
    })).toEqual([]);
  });

  it('minMemory equal to what the GPU publishes fits; one MiB more does not', () => {
    expect(problemsOf((doc) => (doc.dra.claimTemplates[0].minMemory = '81559Mi'))).toEqual([]);
    expect(messages((doc) => (doc.dra.claimTemplates[0].minMemory = '81560Mi'))).toEqual([
      expect.stringMatching(/^dra\.claimTemplates\[0\]\.minMemory: is more than the GPUs of every matching dra pool have: pool gpu-h100-dra \(model H100\) publishes productName "NVIDIA H100 80GB HBM3" and memory 81559Mi;/),
    ]);
  });
});

describe('claim templates against several dra pools (issue 21)', () => {
  const secondDraPool = (model: string | undefined) => (doc: SiteDocument) => {
    const gpu = { ...doc.nodePools[DRA].gpu };
    if (model === undefined) delete gpu.model;
    else gpu.model = model;
    doc.nodePools.push({ ...doc.nodePools[DRA], name: 'gpu-dra-2', gpu });
  };

  it('fits when one matching pool has the memory, though another does not', () => {
    expect(problemsOf((doc) => {
      secondDraPool('H200')(doc);
      doc.dra.claimTemplates[0].productName = 'NVIDIA H';
      doc.dra.claimTemplates[0].minMemory = '100Gi';
      doc.samples.mlTraining.pool = 'gpu-dra-2';
    })).toEqual([]);
  });

  it('judges nothing while any dra pool has no gpu.model', () => {
    expect(problemsOf((doc) => {
      secondDraPool(undefined)(doc);
      doc.dra.claimTemplates[0].productName = 'A100';
    })).toEqual([]);
  });

  it('the ml-training Job defaults to the first dra pool: a claim only the second pool satisfies is named', () => {
    const problems = problemsOf((doc) => {
      secondDraPool('H200')(doc);
      doc.dra.claimTemplates[0].productName = 'H200';
    });
    expect(problems.map((p) => p.path)).toEqual(['samples.mlTraining.claimTemplate']);
    expect(problems[0].message).toMatch(/^claim template ml-training-claim selects no GPU of pool gpu-h100-dra, where the ml-training Job runs/);
    expect(problemsOf((doc) => {
      secondDraPool('H200')(doc);
      doc.dra.claimTemplates[0].productName = 'H200';
      doc.samples.mlTraining.pool = 'gpu-dra-2';
    })).toEqual([]);
  });

  const H100_DRA = 'pool gpu-h100-dra (model H100) publishes productName "NVIDIA H100 80GB HBM3" and memory 81559Mi';

  it('a productName no pool matches lists every dra pool; a model of unknown memory shows none', () => {
    // L40S is not in the table: its productName is taken as "NVIDIA L40S", its memory is unknown
    expect(problemsOf((doc) => {
      secondDraPool('L40S')(doc);
      doc.dra.claimTemplates[0].productName = 'A100';
    })).toEqual([
      {
        path: 'dra.claimTemplates[0].productName',
        message: `no dra pool's GPUs would match (the driver's productName must contain it): ${H100_DRA}; pool gpu-dra-2 (model L40S) publishes productName "NVIDIA L40S"; the claim could never be allocated`,
        value: 'A100',
      },
    ]);
  });

  it('minMemory is not judged on a pool whose GPU memory is unknown', () => {
    expect(problemsOf((doc) => {
      secondDraPool('L40S')(doc);
      doc.dra.claimTemplates[0].productName = 'L40S';
      doc.dra.claimTemplates[0].minMemory = '1Ti';
      doc.samples.mlTraining.pool = 'gpu-dra-2';
    })).toEqual([]);
  });

  it('minMemory beyond every matching pool lists those pools only', () => {
    const tooBig = (productName: string) => (doc: SiteDocument) => {
      secondDraPool('H200')(doc);
      doc.dra.claimTemplates[0].productName = productName;
      doc.dra.claimTemplates[0].minMemory = '200Gi';
    };
    const message = (pools: string) => `is more than the GPUs of every matching dra pool have: ${pools}; the claim could never be allocated`;
    const h200 = 'pool gpu-dra-2 (model H200) publishes productName "NVIDIA H200" and memory 143771Mi';
    expect(problemsOf(tooBig('NVIDIA H'))).toEqual([{ path: 'dra.claimTemplates[0].minMemory', message: message(`${H100_DRA}; ${h200}`), value: '200Gi' }]);
    expect(problemsOf(tooBig('H200'))).toEqual([{ path: 'dra.claimTemplates[0].minMemory', message: message(h200), value: '200Gi' }]);
  });

  it('the ml-training Job is judged by the claim template it names, not the first one', () => {
    const twoTemplates = (claimTemplate: string) => (doc: SiteDocument) => {
      secondDraPool('H200')(doc);
      doc.dra.claimTemplates = [
        { name: 'h100-claim', count: 1, productName: 'H100' },
        { name: 'h200-claim', count: 1, productName: 'H200' },
      ];
      doc.samples.mlTraining.claimTemplate = claimTemplate;
    };
    expect(problemsOf(twoTemplates('h200-claim'))).toEqual([
      {
        path: 'samples.mlTraining.claimTemplate',
        message: `claim template h200-claim selects no GPU of pool gpu-h100-dra, where the ml-training Job runs (${H100_DRA}); set samples.mlTraining.pool to a pool whose GPUs match`,
        value: 'h200-claim',
      },
    ]);
    expect(problemsOf(twoTemplates('h100-claim'))).toEqual([]);
  });
});

describe('MIG claim templates', () => {
  const mig = (profile: string, count: number, minMemory?: string) => (doc: SiteDocument) => {
    const template = doc.dra.claimTemplates[0];
    template.migProfile = profile;
    template.count = count;
    if (minMemory === undefined) delete template.minMemory;
    else template.minMemory = minMemory;
  };

  it('count is of MIG devices, several per GPU: more than a node has GPUs is not judged, as it is for whole GPUs', () => {
    expect(problemsOf(mig('1g.10gb', 9))).toEqual([]);
    expect(problemsOf((doc) => (doc.dra.claimTemplates[0].count = 9))).toEqual([
      { path: 'dra.claimTemplates[0].count', message: 'asks for more GPUs than any dra node has (largest: 8 per node); a claim is allocated on one node', value: 9 },
      { path: 'samples.mlTraining.claimTemplate', message: 'claim template ml-training-claim asks for 9 GPUs but pool gpu-h100-dra has 8 per node', value: 'ml-training-claim' },
    ]);
  });

  it('a MIG device has part of its GPU\'s memory: minMemory beyond the whole GPU can never be met', () => {
    expect(problemsOf(mig('3g.40gb', 1, '40Gi'))).toEqual([]);
    expect(problemsOf(mig('3g.40gb', 1, '96Gi'))).toEqual([
      {
        path: 'dra.claimTemplates[0].minMemory',
        message: 'is more than the GPUs of every matching dra pool have: pool gpu-h100-dra (model H100) publishes productName "NVIDIA H100 80GB HBM3" and memory 81559Mi; the claim could never be allocated',
        value: '96Gi',
      },
    ]);
  });
});

describe('sample problems name their sample, and "none" when a list is empty', () => {
  const NO_PLUGIN_POOL = 'no node pool has gpu.mode devicePlugin; the sample requests nvidia.com/gpu, which only devicePlugin pools advertise';

  it('gpu-test and gpu-training without a devicePlugin pool: each at its own enabled', () => {
    expect(problemsOf((doc) => {
      doc.nodePools[PLUGIN].gpu.mode = 'dra';
      doc.devicePlugin.enabled = false;
      doc.samples.cloudGpuTest.enabled = false;
    })).toEqual([
      { path: 'samples.gpuTest.enabled', message: NO_PLUGIN_POOL, value: true },
      { path: 'samples.gpuTraining.enabled', message: NO_PLUGIN_POOL, value: true },
    ]);
  });

  it('a sample naming a pool on a site without node pools', () => {
    expect(problemsOf((doc) => {
      doc.nodePools = [];
      doc.dcgmExporter.enabled = false;
      doc.dra.claimTemplates = [];
      doc.samples.gpuTest.pool = 'gpu-h100';
      doc.samples.gpuTraining.enabled = false;
      doc.samples.mlTraining.enabled = false;
    })).toEqual([{ path: 'samples.gpuTest.pool', message: 'no such node pool (pools: none)', value: 'gpu-h100' }]);
  });

  it('the cloud GPU sample naming a node group on a site without cloud node groups', () => {
    expect(problemsOf((doc) => {
      doc.cloudNodeGroups = [];
      doc.samples.cloudGpuTest.nodeGroup = 'gpu-nodes';
    })).toEqual([{ path: 'samples.cloudGpuTest.nodeGroup', message: 'no such cloud node group (cloudNodeGroups: none)', value: 'gpu-nodes' }]);
  });

  it('an unknown ml-training claim template lists the defined ones, or none', () => {
    expect(problemsOf((doc) => {
      doc.dra.claimTemplates.push({ name: 'big-claim', count: 2 });
      doc.samples.mlTraining.claimTemplate = 'small-claim';
    })).toEqual([{ path: 'samples.mlTraining.claimTemplate', message: 'no dra.claimTemplates entry has this name (defined: ml-training-claim, big-claim)', value: 'small-claim' }]);
    expect(problemsOf((doc) => (doc.dra.claimTemplates = []))).toEqual([
      { path: 'samples.mlTraining.claimTemplate', message: 'no dra.claimTemplates entry has this name (defined: none)', value: 'ml-training-claim' },
    ]);
  });
});
