import { rateMicros } from '../config/fleet';
import type { SiteConfig } from '../config/schema';

/**
 * Monthly EKS Hybrid Nodes cost of a site. Money is counted in integers: rates in millionths of a
 * dollar, vCPU-hours whole, products in BigInt, rounded once to cents (half up), so no float drift.
 *
 * Tiered pricing applies to the month's total vCPU-hours, so a pool has no price of its own; its
 * share is the tiered total split in proportion to its vCPU-hours (largest remainder: the pool
 * shares always add up to the total to the cent). Cloud nodes, the cluster fee ($0.10 an hour) and
 * other AWS usage are not included; tiers also aggregate every hybrid node of the account and
 * Region, so a site sharing an account with others pays a lower rate at the margin.
 */

export interface PoolCost {
  readonly pool: string;
  readonly servers: number;
  readonly vcpusPerServer: number;
  readonly vcpus: number;
  readonly vcpuHours: number;
  /** Share of the tiered total, in cents. */
  readonly tieredCents: bigint;
  /** At the guide's flat rate, in cents. */
  readonly flatCents: bigint;
}

export interface TierUse {
  /** First and last vCPU-hour of the tier (last is undefined for the unbounded tier). */
  readonly from: number;
  readonly to?: number;
  readonly rateMicros: number;
  /** vCPU-hours of this month that fall in the tier. */
  readonly vcpuHours: number;
  readonly cents: bigint;
}

export interface CostReport {
  readonly hoursPerMonth: number;
  readonly pools: readonly PoolCost[];
  readonly vcpus: number;
  readonly vcpuHours: number;
  readonly tiers: readonly TierUse[];
  readonly tieredCents: bigint;
  readonly flatRateMicros: number;
  readonly flatCents: bigint;
}

/** µ$ → cents, half up (amounts are never negative). */
function microsToCents(micros: bigint): bigint {
  return (micros + 5_000n) / 10_000n;
}

/** Splits `total` cents over `weights` in proportion, by largest remainder; ties go to the earlier weight. */
export function allocate(total: bigint, weights: readonly number[]): bigint[] {
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) return weights.map(() => 0n);
  const exact = weights.map((w) => total * BigInt(w));
  const shares = exact.map((e) => e / sum);
  let left = total - shares.reduce((a, b) => a + b, 0n);
  const order = exact.map((e, i) => ({ i, rest: e % sum })).sort(byRemainder);
  for (const { i } of order) {
    if (left === 0n) break;
    shares[i] += 1n;
    left -= 1n;
  }
  return shares;
}

/**
 * Larger remainder first; on a tie, the earlier weight. (Dropping the tie rule survives mutation testing:
 * V8's sort is stable and asks (later, earlier), so any positive answer on a tie keeps the order.)
 */
function byRemainder(a: { i: number; rest: bigint }, b: { i: number; rest: bigint }): number {
  // Stryker disable next-line ArithmeticOperator,ConditionalExpression: equivalent in V8 (above): on a tie a.i + b.i, and the 1 below, are positive as well
  if (a.rest === b.rest) return a.i - b.i;
  // Stryker disable next-line EqualityOperator: equivalent, equal remainders returned above
  return a.rest > b.rest ? -1 : 1;
}

function micros(usd: number): number {
  const value = rateMicros(usd);
  // the semantic check rejects such rates before a report is ever built
  if (value === undefined) throw new Error(`rate ${usd} has more than 6 decimal places`);
  return value;
}

/** The cost report of a validated site config. */
export function costReport(config: SiteConfig): CostReport {
  const hours = config.cost.hoursPerMonth;
  const pools = config.nodePools.map((p) => ({ pool: p.name, servers: p.count, vcpusPerServer: p.vcpus, vcpus: p.count * p.vcpus, vcpuHours: p.count * p.vcpus * hours }));
  const vcpuHours = pools.reduce((a, p) => a + p.vcpuHours, 0);

  const tiers: TierUse[] = [];
  let from = 0;
  let tieredMicros = 0n;
  for (const tier of config.cost.tiers) {
    const size = tier.vcpuHours ?? Number.POSITIVE_INFINITY;
    const used = Math.max(0, Math.min(vcpuHours - from, size));
    const rate = micros(tier.usdPerVcpuHour);
    const tierMicros = BigInt(used) * BigInt(rate);
    tieredMicros += tierMicros;
    tiers.push({ from: from + 1, ...(tier.vcpuHours === undefined ? {} : { to: from + tier.vcpuHours }), rateMicros: rate, vcpuHours: used, cents: microsToCents(tierMicros) });
    from += tier.vcpuHours ?? 0;
  }
  const tieredCents = microsToCents(tieredMicros);
  const flatRateMicros = micros(config.cost.guideFlatUsdPerVcpuHour);
  const flatCents = microsToCents(BigInt(vcpuHours) * BigInt(flatRateMicros));
  const weights = pools.map((p) => p.vcpuHours);
  const tieredShares = allocate(tieredCents, weights);
  const flatShares = allocate(flatCents, weights);
  return {
    hoursPerMonth: hours,
    pools: pools.map((p, i) => ({ ...p, tieredCents: tieredShares[i], flatCents: flatShares[i] })),
    vcpus: pools.reduce((a, p) => a + p.vcpus, 0),
    vcpuHours,
    tiers,
    tieredCents,
    flatRateMicros,
    flatCents,
  };
}

/** `1234567` → `1,234,567`. By hand: toLocaleString loads ICU's locale data, ~10 ms of every start. */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 1261312n → `$12,613.12`. */
export function formatUsd(cents: bigint): string {
  const dollars = groupThousands((cents / 100n).toString());
  return `$${dollars}.${(cents % 100n).toString().padStart(2, '0')}`;
}

/** 14000 µ$ → `$0.014` (at least 3 decimals, no trailing zeros beyond). */
export function formatRate(rateMicros: number): string {
  const text = (rateMicros / 1_000_000).toFixed(6).replace(/0+$/, '');
  // toFixed(6) always writes a point, so there is always a fraction (possibly empty)
  const [int, frac] = text.split('.');
  return `$${int}.${frac.padEnd(3, '0')}`;
}

/** Whole numbers only (vCPU-hours are: they go through BigInt above). */
export function formatInt(n: number): string {
  return groupThousands(String(n));
}

/** Average tiered price per vCPU-hour, for the comparison line. */
function averageRate(report: CostReport): string {
  return `$${(Number(report.tieredCents) / 100 / report.vcpuHours).toFixed(4)}`;
}

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Right-aligned columns. */
  readonly numeric: readonly number[];
}

function poolTable(report: CostReport): Table {
  return {
    header: ['Pool', 'Servers', 'vCPU/server', 'vCPUs', 'vCPU-hours', 'Tiered (share)', 'Guide flat'],
    rows: [
      ...report.pools.map((p) => [p.pool, String(p.servers), String(p.vcpusPerServer), formatInt(p.vcpus), formatInt(p.vcpuHours), formatUsd(p.tieredCents), formatUsd(p.flatCents)]),
      ['Total', String(report.pools.reduce((a, p) => a + p.servers, 0)), '', formatInt(report.vcpus), formatInt(report.vcpuHours), formatUsd(report.tieredCents), formatUsd(report.flatCents)],
    ],
    numeric: [1, 2, 3, 4, 5, 6],
  };
}

function tierTable(report: CostReport): Table {
  return {
    header: ['Tier (vCPU-hours)', 'Rate', 'vCPU-hours used', 'Amount'],
    rows: report.tiers.map((t) => [t.to === undefined ? `${formatInt(t.from)} and above` : `${formatInt(t.from)} – ${formatInt(t.to)}`, formatRate(t.rateMicros), formatInt(t.vcpuHours), formatUsd(t.cents)]),
    numeric: [2, 3],
  };
}

function textTable(table: Table): string[] {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (table.numeric.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  return [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
}

function markdownTable(table: Table): string[] {
  const row = (r: readonly string[]) => `| ${r.join(' | ')} |`;
  return [row(table.header), row(table.header.map((_, c) => (table.numeric.includes(c) ? '---:' : '---'))), ...table.rows.map(row)];
}

function comparison(report: CostReport): string {
  if (report.vcpuHours === 0) return 'No hybrid vCPUs: nothing to pay for hybrid nodes.';
  // tiers priced at 0 (rates may be 0): no ratio to a total of nothing
  if (report.tieredCents === 0n) return `The guide's flat ${formatRate(report.flatRateMicros)} per vCPU-hour gives ${formatUsd(report.flatCents)}; the tiered price is ${formatUsd(0n)}.`;
  // a display ratio: float precision is plenty here, unlike for the amounts
  const ratio = Number(report.flatCents) / Number(report.tieredCents);
  return `The guide's flat ${formatRate(report.flatRateMicros)} per vCPU-hour gives ${formatUsd(report.flatCents)}, ${ratio.toFixed(2)}× the tiered price (average ${averageRate(report)} per vCPU-hour).`;
}

/** The terminal report of `npm run cost`. */
export function costText(siteName: string, report: CostReport): string[] {
  return [
    `${siteName}: EKS Hybrid Nodes, ${report.hoursPerMonth} hours a month`,
    '',
    ...textTable(poolTable(report)),
    '',
    ...textTable(tierTable(report)),
    '',
    `Monthly total (tiered): ${formatUsd(report.tieredCents)}`,
    comparison(report),
    'Pool amounts are shares of the tiered total in proportion to vCPU-hours. Not included: cloud nodes, the cluster fee, data transfer.',
  ];
}

/** COST.md in dist/<site>/. */
export function costMarkdown(siteName: string, report: CostReport): string {
  return [
    `# EKS Hybrid Nodes cost: ${siteName}`,
    '',
    `Generated from the site config. **Monthly total: ${formatUsd(report.tieredCents)}** (tiered AWS price, ${report.hoursPerMonth} hours a month).`,
    '',
    '## Per pool',
    '',
    ...markdownTable(poolTable(report)),
    '',
    'Tiered prices apply to the month\'s total vCPU-hours, so a pool has no price of its own: each pool\'s amount is its share of the tiered total in proportion to its vCPU-hours (rounded to the cent by largest remainder, so the shares add up to the total).',
    '',
    '## Tiers',
    '',
    ...markdownTable(tierTable(report)),
    '',
    '## Compared with the guide',
    '',
    comparison(report),
    '',
    '## Not included',
    '',
    '- Cloud (EC2) node groups, the EKS cluster fee ($0.10 an hour in standard support), data transfer, VPN or Direct Connect.',
    '- Tiers aggregate all hybrid nodes of the AWS account and Region: other sites in the same account lower the marginal rate.',
    '- Rates are the site config\'s `cost` section (defaults: AWS\'s published US East tiers); check https://aws.amazon.com/eks/pricing/ before relying on them.',
    '',
  ].join('\n');
}
