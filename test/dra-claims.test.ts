import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DraClaimsChart } from '../charts/dra-claims';
import { claimSelectors, semverOf } from '../lib/model/dra';
import { loadSite } from '../lib/site/site';
import { EXAMPLE, find, problemsOf, renderAndValidate, siteWith } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite(EXAMPLE);
});

function build(site = example) {
  return Testing.synth(new DraClaimsChart(Testing.app(), 'test', { site }));
}

describe('dra-claims', () => {
  it('matches the snapshot', () => {
    expect(build()).toMatchSnapshot();
  });

  it("turns the guide's ConfigMap (gpu-count 1, gpu-memory 16Gi, cuda-version 12.2) into a claim template", () => {
    const template = find(build(), 'ResourceClaimTemplate', 'ml-training-claim');
    expect(template.metadata.namespace).toBe('ml-workloads');
    expect(template.apiVersion).toBe('resource.k8s.io/v1beta1');
    expect(template.spec.spec.devices.requests).toEqual([
      {
        name: 'gpus',
        deviceClassName: 'gpu.nvidia.com',
        allocationMode: 'ExactCount',
        count: 1,
        selectors: [
          { cel: { expression: "device.attributes['gpu.nvidia.com'].productName.contains('H100')" } },
          { cel: { expression: "device.capacity['gpu.nvidia.com'].memory.compareTo(quantity('16Gi')) >= 0" } },
          { cel: { expression: "!device.attributes['gpu.nvidia.com'].cudaDriverVersion.isLessThan(semver('12.2.0'))" } },
        ],
      },
    ]);
  });

  it('labels the claims made from each template with the template name', () => {
    const site = siteWith((doc) => doc.dra.claimTemplates.push({ name: 'second-claim', count: 2 }));
    for (const name of ['ml-training-claim', 'second-claim']) {
      expect(find(build(site), 'ResourceClaimTemplate', name).spec.metadata).toEqual({ labels: { 'eks-hybrid-charts/claim-template': name } });
    }
  });

  it('selects MIG devices of a profile from mig.nvidia.com', () => {
    const site = siteWith((doc) => doc.dra.claimTemplates.push({ name: 'mig-small', count: 2, migProfile: '1g.10gb' }), '1.34');
    const template = find(build(site), 'ResourceClaimTemplate', 'mig-small');
    expect(template.spec.spec.devices.requests).toEqual([
      {
        name: 'gpus',
        exactly: {
          deviceClassName: 'mig.nvidia.com',
          allocationMode: 'ExactCount',
          count: 2,
          selectors: [{ cel: { expression: "device.attributes['gpu.nvidia.com'].profile == '1g.10gb'" } }],
        },
      },
    ]);
  });

  it('leaves selectors out when no option narrows the devices', () => {
    const site = siteWith((doc) => doc.dra.claimTemplates.push({ name: 'any-gpu', count: 8 }));
    const [request] = find(build(site), 'ResourceClaimTemplate', 'any-gpu').spec.spec.devices.requests;
    expect(request).toEqual({ name: 'gpus', deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 8 });
  });

  it('writes versions as major.minor.patch for the semver CEL library', () => {
    expect(semverOf('12')).toBe('12.0.0');
    expect(semverOf('12.2')).toBe('12.2.0');
    expect(semverOf('12.8.1')).toBe('12.8.1');
    expect(claimSelectors({ name: 'x', count: 1, minCudaDriverVersion: '12.8.1' })).toEqual([
      "!device.attributes['gpu.nvidia.com'].cudaDriverVersion.isLessThan(semver('12.8.1'))",
    ]);
  });

  it('rejects option values that would break out of a CEL string', () => {
    const problems = problemsOf((doc) => (doc.dra.claimTemplates[0].productName = "H100') || true || ('"));
    expect(problems).toEqual([expect.objectContaining({ path: 'dra.claimTemplates[0].productName' })]);
    expect(problemsOf((doc) => (doc.dra.claimTemplates[0].minMemory = '16 GB'))).toEqual([
      expect.objectContaining({ path: 'dra.claimTemplates[0].minMemory', message: expect.stringContaining('quantity') }),
    ]);
  });

  it('passes strict validation on 1.33 and 1.34', () => {
    for (const version of ['1.33', '1.34']) {
      expect(renderAndValidate(siteWith(() => {}, version)).findings, version).toEqual([]);
    }
  });
});
