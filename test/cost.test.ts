import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT } from '../lib/cli/cli';
import { DEFAULT_COST_TIERS, rateMicros } from '../lib/config/fleet';
import type { SiteConfig } from '../lib/config/schema';
import { allocate, costMarkdown, costReport, costText, formatRate, formatUsd } from '../lib/artifacts/cost';
import { loadSite } from '../lib/site/site';
import { captureCli } from './helpers/run-cli';

/** Just what the cost report reads: pools and rates. */
function config(pools: [name: string, count: number, vcpus: number][], cost: Partial<SiteConfig['cost']> = {}): SiteConfig {
  return {
    nodePools: pools.map(([name, count, vcpus]) => ({ name, count, vcpus })),
    cost: { hoursPerMonth: 730, tiers: DEFAULT_COST_TIERS, guideFlatUsdPerVcpuHour: 0.1099, ...cost },
  } as unknown as SiteConfig;
}

const cli = (args: string[]) => captureCli(args, { charts: CHARTS, artifacts: ARTIFACTS });

describe('cost arithmetic', () => {
  it('prices the example site (2+2 servers of 224 vCPUs) at $12,613.12 tiered and $71,883.39 flat', () => {
    const report = costReport(loadSite('sites/example.yaml').config);
    expect(report.vcpus).toBe(896);
    expect(report.vcpuHours).toBe(654_080);
    expect(formatUsd(report.tieredCents)).toBe('$12,613.12');
    expect(formatUsd(report.flatCents)).toBe('$71,883.39');
    // 576,000 × $0.020 + 78,080 × $0.014
    expect(report.tiers.slice(0, 2).map((t) => [t.vcpuHours, formatUsd(t.cents)])).toEqual([
      [576_000, '$11,520.00'],
      [78_080, '$1,093.12'],
    ]);
    expect(report.tiers.slice(2).every((t) => t.vcpuHours === 0)).toBe(true);
    // each tier's first and last vCPU-hour, the last one open-ended
    expect(report.tiers.map((t) => [t.from, t.to])).toEqual([[1, 576_000], [576_001, 1_152_000], [1_152_001, 5_760_000], [5_760_001, 11_520_000], [11_520_001, undefined]]);
    expect(report.tiers[4]).not.toHaveProperty('to');
  });

  it('prices one 224-vCPU server at $3,270.40 (all in the first tier)', () => {
    expect(formatUsd(costReport(config([['a', 1, 224]])).tieredCents)).toBe('$3,270.40');
  });

  it('crosses every tier boundary exactly', () => {
    // 11,520,000 vCPU-hours fill the first four tiers: 576k×0.02 + 576k×0.014 + 4.608M×0.01 + 5.76M×0.008
    const atBoundary = config([['a', 1, 1]], { hoursPerMonth: 1, tiers: DEFAULT_COST_TIERS });
    const hoursFor = (vcpuHours: number) => costReport({ ...atBoundary, nodePools: [{ name: 'a', count: 1, vcpus: vcpuHours }] } as unknown as SiteConfig);
    expect(formatUsd(hoursFor(11_520_000).tieredCents)).toBe('$111,744.00');
    expect(hoursFor(11_520_000).tiers[4].vcpuHours).toBe(0);
    // one more vCPU-hour lands in the last tier at $0.006
    const beyond = hoursFor(11_520_001);
    expect(beyond.tiers[4].vcpuHours).toBe(1);
    expect(beyond.tiers[4].from).toBe(11_520_001);
    expect(formatUsd(beyond.tieredCents)).toBe('$111,744.01');
  });

  it('has no float drift where floats would have some', () => {
    // 0.1 + 0.2 style: 3 vCPU-hours at $0.1 = $0.30 exactly; 1 vCPU-hour at $0.005 rounds half up to $0.01
    const tiers = [{ usdPerVcpuHour: 0.1 }];
    expect(formatUsd(costReport(config([['a', 3, 1]], { hoursPerMonth: 1, tiers })).tieredCents)).toBe('$0.30');
    expect(formatUsd(costReport(config([['a', 1, 1]], { hoursPerMonth: 1, tiers: [{ usdPerVcpuHour: 0.005 }] })).tieredCents)).toBe('$0.01');
    expect(formatUsd(costReport(config([['a', 1, 1]], { hoursPerMonth: 1, tiers: [{ usdPerVcpuHour: 0.004999 }] })).tieredCents)).toBe('$0.00');
  });

  it('splits the tiered total over pools by vCPU-hours, adding up to the cent', () => {
    const report = costReport(config([['big', 3, 224], ['small', 1, 96], ['idle', 0, 64], ['odd', 1, 7]]));
    const sum = report.pools.reduce((a, p) => a + p.tieredCents, 0n);
    expect(sum).toBe(report.tieredCents);
    expect(report.pools.reduce((a, p) => a + p.flatCents, 0n)).toBe(report.flatCents);
    expect(report.pools.find((p) => p.pool === 'idle')!.tieredCents).toBe(0n);
    // each share is within a cent of the exact proportion
    for (const p of report.pools) {
      const exact = (Number(report.tieredCents) * p.vcpuHours) / report.vcpuHours;
      expect(Math.abs(Number(p.tieredCents) - exact)).toBeLessThan(1);
    }
  });

  it('allocates by largest remainder, ties to the earlier pool', () => {
    expect(allocate(100n, [1, 1, 1])).toEqual([34n, 33n, 33n]);
    expect(allocate(10n, [1, 2])).toEqual([3n, 7n]);
    expect(allocate(5n, [0, 0])).toEqual([0n, 0n]);
    // the larger remainder wins, not the larger weight: 3 × 4/5 = 2.4, 3 × 1/5 = 0.6
    expect(allocate(3n, [4, 1])).toEqual([2n, 1n]);
    // the earlier weight has the larger remainder (2/3 against 1/3)
    expect(allocate(2n, [1, 2])).toEqual([1n, 1n]);
    expect(allocate(4n, [1, 1, 1, 3])).toEqual([1n, 1n, 0n, 2n]);
  });

  it('formats money and rates', () => {
    expect(formatUsd(0n)).toBe('$0.00');
    expect(formatUsd(123456789n)).toBe('$1,234,567.89');
    expect(formatRate(20_000)).toBe('$0.020');
    expect(formatRate(109_900)).toBe('$0.1099');
  });
});

describe('user-supplied rates', () => {
  function site(extra: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'ehc-cost-'));
    const file = join(dir, 'site.yaml');
    // file paths are relative to the site file named on the command line
    writeFileSync(file, `extends: ${resolve('sites/example.yaml')}\nregistry: {caFile: ${relative(dir, resolve('sites/example-harbor-ca.crt'))}}\n${extra}`);
    return file;
  }

  it('uses the rates of the config', async () => {
    const file = site('cost:\n  hoursPerMonth: 720\n  tiers: [{usdPerVcpuHour: 0.01}]\n  guideFlatUsdPerVcpuHour: 0.1\n');
    const { code, out } = await cli(['cost', '--site', file]);
    expect(code).toBe(0);
    // 896 vCPUs × 720 h × $0.01
    expect(out).toContain('Monthly total (tiered): $6,451.20');
  });

  it('rejects a bounded last tier, an unbounded middle tier and sub-micro-dollar rates (exit 2)', async () => {
    const file = site('cost:\n  tiers:\n    - {usdPerVcpuHour: 0.02}\n    - {vcpuHours: 10, usdPerVcpuHour: 0.0000001}\n');
    const { code, err } = await cli(['cost', '--site', file]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(err.join('\n').split('\n')).toEqual([
      `${file}: cost.tiers[0].vcpuHours: is required on every tier but the last`,
      `${file}: cost.tiers[1].vcpuHours: must be omitted on the last tier, which covers all remaining usage (got 10)`,
      `${file}: cost.tiers[1].usdPerVcpuHour: must have at most 6 decimal places (got 1e-7)`,
    ]);
  });
});

describe('costReport', () => {
  it('refuses to price a rate the semantic check should have rejected', () => {
    expect(() => costReport(config([['a', 1, 1]], { tiers: [{ usdPerVcpuHour: 1e-7 }] }))).toThrow(new Error('rate 1e-7 has more than 6 decimal places'));
  });
});

describe('rateMicros', () => {
  it('takes rates of at most 6 decimal places as whole millionths, despite binary rounding', () => {
    expect(rateMicros(0)).toBe(0);
    expect(rateMicros(0.1099)).toBe(109_900); // 0.1099 × 10^6 is 109900.00000000001 in doubles
    expect(rateMicros(0.000001)).toBe(1);
    expect(rateMicros(10)).toBe(10_000_000);
  });

  it('refuses anything finer, down to the rounding tolerance itself', () => {
    expect(rateMicros(0.0000001)).toBeUndefined();
    expect(rateMicros(0.1234567)).toBeUndefined();
    // 10^-12 dollars is exactly 10^-6 millionths away from 0: the tolerance is exclusive
    expect(1e-12 * 1_000_000).toBe(1e-6);
    expect(rateMicros(1e-12)).toBeUndefined();
  });
});

describe('npm run cost', () => {
  it('prints a table per pool, the tiers and both totals', async () => {
    const { code, out } = await cli(['cost']);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^gpu-h100\s+2\s+224\s+448\s+327,040\s+\$6,306\.56\s+\$35,941\.70$/m);
    expect(text).toMatch(/^gpu-h100-dra\s+2\s+224\s+448\s+327,040\s+\$6,306\.56\s+\$35,941\.69$/m);
    expect(text).toMatch(/^Total\s+4\s+896\s+654,080\s+\$12,613\.12\s+\$71,883\.39$/m);
    expect(text).toContain('Monthly total (tiered): $12,613.12');
    expect(text).toContain('5.70× the tiered price');
  });

  it('writes the same figures to COST.md', () => {
    const md = costMarkdown('example', costReport(loadSite('sites/example.yaml').config));
    expect(md).toContain('**Monthly total: $12,613.12**');
    expect(md).toContain('| Total | 4 |  | 896 | 654,080 | $12,613.12 | $71,883.39 |');
    expect(md).toMatchSnapshot();
  });
});

describe('cost report text', () => {
  const example = () => costReport(config([['gpu-h100', 2, 224], ['gpu-h100-dra', 2, 224]]));
  const NOT_INCLUDED = [
    '## Not included',
    '',
    '- Cloud (EC2) node groups, the EKS cluster fee ($0.10 an hour in standard support), data transfer, VPN or Direct Connect.',
    '- Tiers aggregate all hybrid nodes of the AWS account and Region: other sites in the same account lower the marginal rate.',
    "- Rates are the site config's `cost` section (defaults: AWS's published US East tiers); check https://aws.amazon.com/eks/pricing/ before relying on them.",
    '',
  ];

  it('npm run cost: aligned tables (text left, figures right), the total, the comparison and what is left out', () => {
    expect(costText('example', example())).toEqual([
      'example: EKS Hybrid Nodes, 730 hours a month',
      '',
      'Pool          Servers  vCPU/server  vCPUs  vCPU-hours  Tiered (share)  Guide flat',
      '------------  -------  -----------  -----  ----------  --------------  ----------',
      'gpu-h100            2          224    448     327,040       $6,306.56  $35,941.70',
      'gpu-h100-dra        2          224    448     327,040       $6,306.56  $35,941.69',
      'Total               4                 896     654,080      $12,613.12  $71,883.39',
      '',
      'Tier (vCPU-hours)       Rate    vCPU-hours used      Amount',
      '----------------------  ------  ---------------  ----------',
      '1 – 576,000             $0.020          576,000  $11,520.00',
      '576,001 – 1,152,000     $0.014           78,080   $1,093.12',
      '1,152,001 – 5,760,000   $0.010                0       $0.00',
      '5,760,001 – 11,520,000  $0.008                0       $0.00',
      '11,520,001 and above    $0.006                0       $0.00',
      '',
      'Monthly total (tiered): $12,613.12',
      "The guide's flat $0.1099 per vCPU-hour gives $71,883.39, 5.70× the tiered price (average $0.0193 per vCPU-hour).",
      'Pool amounts are shares of the tiered total in proportion to vCPU-hours. Not included: cloud nodes, the cluster fee, data transfer.',
    ]);
  });

  it('COST.md: the total, a pool table and a tier table (figures right-aligned), the comparison and what is left out', () => {
    expect(costMarkdown('example', example()).split('\n')).toEqual([
      '# EKS Hybrid Nodes cost: example',
      '',
      'Generated from the site config. **Monthly total: $12,613.12** (tiered AWS price, 730 hours a month).',
      '',
      '## Per pool',
      '',
      '| Pool | Servers | vCPU/server | vCPUs | vCPU-hours | Tiered (share) | Guide flat |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| gpu-h100 | 2 | 224 | 448 | 327,040 | $6,306.56 | $35,941.70 |',
      '| gpu-h100-dra | 2 | 224 | 448 | 327,040 | $6,306.56 | $35,941.69 |',
      '| Total | 4 |  | 896 | 654,080 | $12,613.12 | $71,883.39 |',
      '',
      "Tiered prices apply to the month's total vCPU-hours, so a pool has no price of its own: each pool's amount is its share of the tiered total in proportion to its vCPU-hours (rounded to the cent by largest remainder, so the shares add up to the total).",
      '',
      '## Tiers',
      '',
      '| Tier (vCPU-hours) | Rate | vCPU-hours used | Amount |',
      '| --- | --- | ---: | ---: |',
      '| 1 – 576,000 | $0.020 | 576,000 | $11,520.00 |',
      '| 576,001 – 1,152,000 | $0.014 | 78,080 | $1,093.12 |',
      '| 1,152,001 – 5,760,000 | $0.010 | 0 | $0.00 |',
      '| 5,760,001 – 11,520,000 | $0.008 | 0 | $0.00 |',
      '| 11,520,001 and above | $0.006 | 0 | $0.00 |',
      '',
      '## Compared with the guide',
      '',
      "The guide's flat $0.1099 per vCPU-hour gives $71,883.39, 5.70× the tiered price (average $0.0193 per vCPU-hour).",
      '',
      ...NOT_INCLUDED,
    ]);
  });

  it('says there is nothing to pay without hybrid vCPUs, and gives no ratio when the tiers are free', () => {
    const none = costReport(config([]));
    expect(costText('none', none).slice(2, 5)).toEqual([
      'Pool   Servers  vCPU/server  vCPUs  vCPU-hours  Tiered (share)  Guide flat',
      '-----  -------  -----------  -----  ----------  --------------  ----------',
      'Total        0                   0           0           $0.00       $0.00',
    ]);
    expect(costText('none', none).at(-2)).toBe('No hybrid vCPUs: nothing to pay for hybrid nodes.');
    expect(costMarkdown('none', none)).toContain('\n## Compared with the guide\n\nNo hybrid vCPUs: nothing to pay for hybrid nodes.\n\n## Not included\n');
    const free = costReport(config([['a', 1, 64]], { tiers: [{ usdPerVcpuHour: 0 }] }));
    expect(costText('free', free).slice(-3)).toEqual([
      'Monthly total (tiered): $0.00',
      "The guide's flat $0.1099 per vCPU-hour gives $5,134.53; the tiered price is $0.00.",
      'Pool amounts are shares of the tiered total in proportion to vCPU-hours. Not included: cloud nodes, the cluster fee, data transfer.',
    ]);
    expect(costText('free', free).slice(7, 10)).toEqual(['Tier (vCPU-hours)  Rate    vCPU-hours used  Amount', '-----------------  ------  ---------------  ------', '1 and above        $0.000           46,720   $0.00']);
  });
});
