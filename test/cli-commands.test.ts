// lib/cli/commands/{cost,diff,migrate,plan}.ts, lib/cli/sites.ts and lib/cli/process-io.ts, run in-process
// through runCli (a spawned CLI runs the same code, but no test run can tell which of its lines a check
// relied on): what --help promises, how several sites' reports are put together, which folders diff
// --all calls orphans, what migrate asks kubectl and what it makes of the answers.
import { EventEmitter } from 'node:events';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { costReport, costText } from '../lib/artifacts/cost';
import { SiteConfigError } from '../lib/config/problems';
import { EXIT_BAD_INPUT, EXIT_FINDINGS } from '../lib/cli/cli';
import { processIo, type System } from '../lib/cli/process-io';
import { DEFAULT_SITE, forEachSite, selectSites, SITES_DIR } from '../lib/cli/sites';
import { GENERATOR_NAME } from '../lib/core/labels';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import type { LiveObject } from '../lib/output/migrate';
import { loadSite } from '../lib/site/site';
import * as validator from '../lib/validate/validator';
import { withFsView } from './helpers/fs-view';
import { setUp } from './helpers/set-up';
import { siteVariantFile } from './helpers/site-variant';
import { captureCli } from './helpers/run-cli';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };

const cli = (args: string[]) => captureCli(args, REGISTRY);

/** Every folder a test here makes, removed at the end (the run's TMPDIR goes too, test/helpers/temp-root.ts). */
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ehc-cli-${prefix}-`));
  made.push(dir);
  return dir;
}
function variant(overrides: Record<string, unknown>): string {
  const file = siteVariantFile(overrides);
  made.push(dirname(file));
  return file;
}

/** The commands the CLI registers besides help; the README's table documents each one. */
const COMMANDS = ['synth', 'validate', 'cost', 'diff', 'plan', 'migrate'];

// ---------------------------------------------------------------------------------------------------------
// --help
// ---------------------------------------------------------------------------------------------------------

interface HelpEntry {
  readonly term: string;
  /** The entry's own text, without what Commander appends: ` (choices: …, default: …)`. */
  readonly description: string;
  readonly choices?: string[];
  readonly default?: unknown;
}

interface Help {
  readonly description: string;
  readonly options: Map<string, HelpEntry>;
  readonly commands: Map<string, HelpEntry>;
}

/** Commander's help text, read back: the description paragraph, and the entries of each section (wrapped lines joined). */
async function help(args: string[]): Promise<Help> {
  const r = await cli([...args, '--help']);
  expect(r.code).toBe(0);
  expect(r.err).toEqual([]);
  const lines = r.out.join('\n').split('\n');
  expect(lines[0]).toMatch(/^Usage: /);
  const firstSection = lines.findIndex((l) => /^[A-Z][a-z]+:$/.test(l));
  const description = lines.slice(1, firstSection).join(' ').trim();
  const sections = new Map<string, Map<string, HelpEntry>>();
  let section: Map<string, HelpEntry> | undefined;
  let current: { term: string; text: string } | undefined;
  const flush = () => {
    if (section && current) section.set(keyOf(current.term), entry(current.term, current.text));
    current = undefined;
  };
  for (const line of lines.slice(firstSection)) {
    const heading = /^([A-Z][a-z]+):$/.exec(line);
    if (heading) {
      flush();
      section = new Map();
      sections.set(heading[1], section);
      continue;
    }
    const start = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (start) {
      flush();
      current = { term: start[1], text: start[2] ?? '' };
    } else if (current && /^ {3,}\S/.test(line)) current.text += ` ${line.trim()}`;
    else flush();
  }
  flush();
  return { description, options: sections.get('Options') ?? new Map(), commands: sections.get('Commands') ?? new Map() };
}

const keyOf = (term: string) => /--[a-z][\w-]*/.exec(term)?.[0] ?? term.split(' ')[0];

function entry(term: string, text: string): HelpEntry {
  const withChoices = /^(.*?) ?\(choices: ((?:"[^"]*"(?:, )?)+?)(?:, default: (".*"))?\)$/.exec(text);
  if (withChoices) {
    return { term, description: withChoices[1].trim(), choices: JSON.parse(`[${withChoices[2]}]`), ...(withChoices[3] ? { default: JSON.parse(withChoices[3]) } : {}) };
  }
  const withDefault = /^(.*?) ?\(default: (".*")\)$/.exec(text);
  if (withDefault) return { term, description: withDefault[1].trim(), default: JSON.parse(withDefault[2]) };
  return { term, description: text.trim() };
}

describe('--help', () => {
  it('describes every command, in the list and on its own page', async () => {
    const top = await help([]);
    expect([...top.commands.keys()]).toEqual([...COMMANDS, 'help']);
    for (const command of COMMANDS) {
      expect(top.commands.get(command)?.description, command).not.toBe('');
      expect((await help([command])).description, command).not.toBe('');
    }
  });

  it('describes every option of every command', async () => {
    for (const command of COMMANDS) {
      const { options } = await help([command]);
      expect(options.size, command).toBeGreaterThan(1);
      for (const [flag, option] of options) expect(option.description, `${command} ${flag}`).not.toBe('');
    }
  });

  it('shows the defaults and choices the commands use', async () => {
    const diff = (await help(['diff'])).options;
    expect(diff.get('--against')).toMatchObject({ default: 'dist' });
    expect(diff.get('--output')).toMatchObject({ choices: ['text', 'json'], default: 'text' });
    expect(diff.get('--kubernetes-version')?.choices).toEqual([...SUPPORTED_KUBERNETES_VERSIONS]);
    // a flag without a value has no default to show; its text may say what happens without it
    expect(diff.get('--full')).toEqual({ term: '--full', description: 'show every changed line (default: long changes are cut after a screenful)' });
    const migrate = (await help(['migrate'])).options;
    expect(migrate.get('--out')).toMatchObject({ default: 'dist' });
    expect(migrate.get('--output')).toMatchObject({ choices: ['text', 'json'], default: 'text' });
    expect(migrate.get('--cluster')?.term).toBe('--cluster <kubeconfig>');
    const plan = (await help(['plan'])).options;
    expect(plan.get('--to')?.choices).toEqual([...SUPPORTED_KUBERNETES_VERSIONS]);
    expect(plan.get('--from')?.choices).toEqual([...SUPPORTED_KUBERNETES_VERSIONS]);
    const cost = (await help(['cost'])).options;
    expect(cost.get('--site')?.description).toContain(DEFAULT_SITE);
    expect(cost.get('--all')?.description).toContain(`${SITES_DIR}/`);
  });

  it("README.md's command table names exactly the options each command has", async () => {
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('\n\n', readme.indexOf('| command |')));
    const rows = new Map<string, Set<string>>();
    for (const m of table.matchAll(/^\| `npm run (\w+)([^`]*)` \|/gm)) {
      if (!COMMANDS.includes(m[1])) continue;
      const flags = rows.get(m[1]) ?? new Set<string>();
      for (const f of m[2].matchAll(/--[a-z][\w-]*/g)) flags.add(f[0]);
      rows.set(m[1], flags);
    }
    expect([...rows.keys()].sort()).toEqual([...COMMANDS].sort());
    // the site-selection options every command shares are documented once, on the synth rows
    const shared = ['--site', '--all', '--kubernetes-version'];
    for (const command of COMMANDS) {
      const options = [...(await help([command])).options.keys()].filter((f) => f !== '--help');
      for (const flag of rows.get(command)!) expect(options, `README row of ${command} names ${flag}`).toContain(flag);
      for (const flag of options) {
        if (shared.includes(flag)) expect(rows.get('synth'), `README synth rows name ${flag}`).toContain(flag);
        else expect(rows.get(command), `README row of ${command} names ${flag}`).toContain(flag);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Site selection (lib/cli/sites.ts)
// ---------------------------------------------------------------------------------------------------------

/**
 * A project folder of its own: `<root>/sites/` with alpha (a.yaml) and bravo (b.yml) beside files that are
 * no site, each extending a copy of the example in `<root>/base/` (outside sites/, so that --all skips it).
 */
function projectSites(): string {
  const root = tempDir('project');
  mkdirSync(join(root, 'base'));
  mkdirSync(join(root, 'sites'));
  copyFileSync('sites/example.yaml', join(root, 'base', 'example.yaml'));
  copyFileSync('sites/example-harbor-ca.crt', join(root, 'base', 'example-harbor-ca.crt'));
  const base = join(root, 'base', 'example.yaml');
  writeFileSync(join(root, 'sites', 'b.yml'), `extends: ${base}\nname: bravo\n`);
  writeFileSync(join(root, 'sites', 'a.yaml'), `extends: ${base}\nname: alpha\n`);
  writeFileSync(join(root, 'sites', 'notes.txt'), 'not a site\n');
  writeFileSync(join(root, 'sites', 'README.md'), '# sites\n');
  writeFileSync(join(root, 'sites', 'c.yaml.bak'), `extends: ${base}\nname: charlie\n`);
  return join(root, 'sites');
}

describe('site selection', () => {
  it('--site names the files; none (or an empty list) means the example', async () => {
    expect(selectSites({})).toEqual([DEFAULT_SITE]);
    expect(selectSites({ site: [] })).toEqual([DEFAULT_SITE]);
    expect(selectSites({ site: ['a.yaml', 'b.yaml'] })).toEqual(['a.yaml', 'b.yaml']);
    expect(() => selectSites({ all: true, site: ['a.yaml'] })).toThrow(SiteConfigError);
  });

  it('--all takes the .yaml and .yml files of sites/ in name order, whatever order the folder lists them in', async () => {
    const sites = projectSites();
    await withFsView({ redirect: { [SITES_DIR]: sites }, reverseListing: [SITES_DIR] }, async () => {
      expect(selectSites({ all: true })).toEqual(['sites/a.yaml', 'sites/b.yml']);
      // an empty --site list is no --site
      expect(selectSites({ all: true, site: [] })).toEqual(['sites/a.yaml', 'sites/b.yml']);
      const { code, out, err } = await cli(['cost', '--all']);
      expect(err).toEqual([]);
      expect(code).toBe(0);
      expect(out.filter((l) => l.includes(': EKS Hybrid Nodes, '))).toEqual(['alpha: EKS Hybrid Nodes, 730 hours a month', 'bravo: EKS Hybrid Nodes, 730 hours a month']);
    });
  });

  it('--all without a sites/ folder here is bad input naming the folder and where it was looked for', async () => {
    const { code, out, err } = await withFsView({ hide: [SITES_DIR] }, () => cli(['cost', '--all']));
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(out).toEqual([]);
    expect(err).toEqual([`--all: sites/: no such folder here (${process.cwd()}); run from the project folder or name files with --site`]);
  });

  it('a bad site is reported and the others still run; any other error is a bug and propagates', async () => {
    const io = { out: () => {}, err: vi.fn() };
    const codes: number[] = [];
    const done = await forEachSite(['bad.yaml', 'good.yaml'], io, (c) => codes.push(c), (file) => {
      if (file === 'bad.yaml') throw new SiteConfigError(file, [{ path: 'name', message: 'is wrong' }]);
      return file;
    });
    expect(done).toEqual(['good.yaml']);
    expect(codes).toEqual([EXIT_BAD_INPUT]);
    expect(io.err).toHaveBeenCalledWith('bad.yaml: name: is wrong');
    const ran: string[] = [];
    const bug = forEachSite(['a.yaml', 'b.yaml'], io, (c) => codes.push(c), (file) => {
      ran.push(file);
      throw new TypeError('cannot read properties of undefined');
    });
    await expect(bug).rejects.toThrow(TypeError);
    expect(ran).toEqual(['a.yaml']);
    expect(codes).toEqual([EXIT_BAD_INPUT]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// cost and plan: one block per site
// ---------------------------------------------------------------------------------------------------------

describe('several sites in one run', () => {
  const costOf = (file: string) => {
    const site = loadSite(file);
    return costText(site.config.name, costReport(site.config));
  };

  it('cost: the blocks are separated by exactly one empty line, with none before or after', async () => {
    const { code, out, err } = await cli(['cost', '--site', 'sites/example.yaml', '--site', 'sites/example-operator.yaml']);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual([...costOf('sites/example.yaml'), '', ...costOf('sites/example-operator.yaml')]);
  });

  it('cost: a bad first site leaves no empty line in front of the next', async () => {
    const { code, out, err } = await cli(['cost', '--site', 'sites/nope.yaml', '--site', 'sites/example.yaml']);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(err).toHaveLength(1);
    expect(out).toEqual(costOf('sites/example.yaml'));
  });

  it('plan: the same, and exit 0 when no site changes', async () => {
    const same = await cli(['plan', '--to', '1.33', '--site', 'sites/example.yaml', '--site', 'sites/example-gitops.yaml']);
    expect(same).toEqual({
      code: 0,
      out: ['example: already on Kubernetes 1.33; nothing to upgrade', '', 'example-gitops: already on Kubernetes 1.33; nothing to upgrade'],
      err: [],
    });
  });

  it('plan: a site whose output the upgrade does not change exits 0, with its plan printed', async () => {
    // nothing version-pinned left: no namespaces (Pod Security labels name the minor), no pools, no autoscaler
    const bare = variant({
      nodePools: [],
      cloudNodeGroups: [],
      devicePlugin: { enabled: false },
      draDriver: { enabled: false },
      dra: { claimTemplates: [] },
      dcgmExporter: { enabled: false },
      samples: { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, mlTraining: { enabled: false }, cloudGpuTest: { enabled: false } },
      monitoring: { enabled: false },
      storage: { nfs: { enabled: false } },
      webApi: { enabled: false },
      clusterAutoscaler: { enabled: false },
      harborTest: { enabled: false },
    });
    const quiet = await cli(['plan', '--site', bare, '--to', '1.34']);
    expect(quiet.err).toEqual([]);
    expect(quiet.out[0]).toBe(`example: upgrade plan Kubernetes 1.33 → 1.34 (${bare})`);
    expect(quiet.out[1]).toBe('  0 object(s) change, 0 added, 0 removed, 0 to delete and re-create, 0 NodeConfig(s) change');
    expect(quiet.code).toBe(0);
    // two sites: one empty line between the plans, the exit code of the one that changes
    const both = await cli(['plan', '--site', bare, '--site', 'sites/example.yaml', '--to', '1.34']);
    expect(both.code).toBe(EXIT_FINDINGS);
    const second = both.out.indexOf('example: upgrade plan Kubernetes 1.33 → 1.34 (sites/example.yaml)');
    expect(second).toBe(quiet.out.length + 1);
    expect(both.out.slice(0, second)).toEqual([...quiet.out, '']);
    expect(both.out.at(-1)).not.toBe('');
  });
});

// ---------------------------------------------------------------------------------------------------------
// diff
// ---------------------------------------------------------------------------------------------------------

describe('diff', () => {
  /** Every site of sites/ synthesized, as a committed output root would hold them. */
  let committed!: string;
  setUp(async () => {
    committed = tempDir('committed');
    const r = await cli(['synth', '--all', '--out', committed]);
    expect(r.code).toBe(0);
  });

  /** A copy of the committed root with folders that are and are not orphans beside the sites' own. */
  function rootWithLeftovers(): string {
    const root = tempDir('against');
    cpSync(committed, root, { recursive: true });
    const folder = (name: string, manifest?: string) => {
      mkdirSync(join(root, name));
      if (manifest !== undefined) writeFileSync(join(root, name, 'manifest.json'), manifest);
    };
    const ours = JSON.stringify({ generator: { name: GENERATOR_NAME, version: '0.0.1' }, files: {} });
    folder('old-lab', ours); // a site rendered once whose file is gone
    folder('a-lab', ours);
    // written with --swap symlink: <root>/<site> is a link to a hidden slot
    folder('.b-lab.v1', ours);
    symlinkSync('.b-lab.v1', join(root, 'b-lab'));
    folder('.trash', ours); // hidden: not a site folder
    folder('notes'); // no manifest
    folder('other-tool', JSON.stringify({ generator: { name: 'helm' } }));
    folder('no-generator', JSON.stringify({ files: {} }));
    folder('broken', '{ not json');
    writeFileSync(join(root, 'stray.yaml'), 'kind: ConfigMap\n');
    return root;
  }

  it('--all reports folders of our output whose site file is gone, in name order (text and json), even when sites differ', async () => {
    const root = rootWithLeftovers();
    rmSync(join(root, 'example', 'COST.md')); // a difference too: orphans are still looked for
    const text = await withFsView({ reverseListing: [root] }, () => cli(['diff', '--all', '--against', root]));
    expect(text.err).toEqual([]);
    expect(text.code).toBe(EXIT_FINDINGS);
    expect(text.out).toContain('  + file COST.md');
    expect(text.out.filter((l) => l.includes('has no site file'))).toEqual(
      ['a-lab', 'b-lab', 'old-lab'].map((n) => `${n}: ${join(root, n)}/ has no site file in sites/ any more; delete the folder, or it stays applied`),
    );
    const json = await withFsView({ reverseListing: [root] }, () => cli(['diff', '--all', '--against', root, '--output', 'json']));
    expect(json.code).toBe(EXIT_FINDINGS);
    expect(json.out).toHaveLength(1);
    const report = JSON.parse(json.out[0]) as { sites: { site: string; identical: boolean }[]; orphans: string[] };
    expect(report.sites.map((s) => [s.site, s.identical])).toEqual([
      ['example-gitops', true],
      ['example-operator', true],
      ['example', false],
    ]);
    expect(report.orphans).toEqual([join(root, 'a-lab'), join(root, 'b-lab'), join(root, 'old-lab')]);
  });

  it('reports no orphans without --all, or after a bad site (its folder is not an orphan)', async () => {
    const root = rootWithLeftovers();
    const one = await cli(['diff', '--site', 'sites/example.yaml', '--against', root]);
    expect(one).toEqual({ code: 0, out: [`example: identical to ${join(root, 'example')}/`], err: [] });
    // sites/ with one more file that does not load: exit 2, whatever the others say
    const sites = tempDir('sites');
    cpSync('sites', sites, { recursive: true });
    writeFileSync(join(sites, 'zz-broken.yaml'), 'name: Not_A_Label\n');
    rmSync(join(root, 'example', 'COST.md'));
    const bad = await withFsView({ redirect: { [SITES_DIR]: sites } }, () => cli(['diff', '--all', '--against', root]));
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    expect(bad.err.join('\n')).toContain('sites/zz-broken.yaml: name: must be a DNS-1123 label');
    expect(bad.out).toContain('  + file COST.md');
    expect(bad.out.join('\n')).not.toContain('has no site file');
  });

  it('compares with dist/ by default, and a missing default dist/ is no mistake: everything is new', async () => {
    const real = await cli(['diff']);
    expect(real.out[0]).toMatch(/^example: (identical to|\d+ difference\(s\) against) dist\/example\//);
    const none = await withFsView({ hide: ['dist'] }, () => cli(['diff']));
    expect(none.err).toEqual([]);
    expect(none.code).toBe(EXIT_FINDINGS);
    expect(none.out[0]).toMatch(/^example: \d+ difference\(s\) against dist\/example\/ \(no such folder: everything is new\)$/);
    const all = await withFsView({ hide: ['dist'] }, () => cli(['diff', '--all', '--output', 'json']));
    expect(all.err).toEqual([]);
    expect(all.code).toBe(EXIT_FINDINGS);
    const report = JSON.parse(all.out.join('\n')) as { sites: { site: string; exists: boolean }[]; orphans: string[] };
    expect(report.sites.map((s) => s.exists)).toEqual([false, false, false]);
    expect(report.orphans).toEqual([]);
    // given explicitly, the same missing folder is a mistyped flag
    const typed = await withFsView({ hide: ['dist'] }, () => cli(['diff', '--against', 'dist']));
    expect(typed).toEqual({ code: EXIT_BAD_INPUT, out: [], err: ['--against: dist: no such directory'] });
  });

  it('--output json: a changed object carries its field changes, an added or removed one only its name and file', async () => {
    const root = tempDir('json');
    cpSync(join(committed, 'example'), join(root, 'example'), { recursive: true });
    const file = join(root, 'example', '61-web-api.yaml');
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toString());
    const service = docs.findIndex((d) => /^kind: Service$/m.test(d));
    expect(service).toBeGreaterThanOrEqual(0);
    writeFileSync(
      file,
      [...docs.filter((_, i) => i !== service).map((d) => d.replace(/replicas: 2/, 'replicas: 5')), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale\n  namespace: web\n']
        .map((d) => `---\n${d}`)
        .join(''),
    );
    const { code, out } = await cli(['diff', '--against', root, '--output', 'json']);
    expect(code).toBe(EXIT_FINDINGS);
    const objects = (JSON.parse(out.join('\n')) as { sites: { objects: Record<string, unknown>[] }[] }).sites[0].objects;
    const byOp = (op: string) => objects.filter((o) => o.op === op);
    expect(byOp('changed').map((o) => Object.keys(o))).toEqual([['op', 'object', 'file', 'fromFile', 'changes']]);
    expect(byOp('added')).toEqual([{ op: 'added', object: 'Service web/web-api', file: '61-web-api.yaml' }]);
    expect(byOp('removed')).toEqual([{ op: 'removed', object: 'ConfigMap web/stale', file: '61-web-api.yaml' }]);
  });

  it('--kubernetes-version renders for that minor', async () => {
    const root = tempDir('minor');
    expect((await cli(['synth', '--kubernetes-version', '1.34', '--out', root])).code).toBe(0);
    expect(await cli(['diff', '--kubernetes-version', '1.34', '--against', root])).toEqual({ code: 0, out: [`example: identical to ${join(root, 'example')}/`], err: [] });
    expect((await cli(['diff', '--against', root])).code).toBe(EXIT_FINDINGS);
  });
});

// ---------------------------------------------------------------------------------------------------------
// migrate, with a stand-in kubectl
// ---------------------------------------------------------------------------------------------------------

/** Every resource type migrate reads (README "Coming from Helm"), with the kind kubectl returns for it. */
const READ_TYPES: readonly (readonly [type: string, apiVersion: string, kind: string, namespaced: boolean])[] = [
  ['nodes', 'v1', 'Node', false],
  ['daemonsets.apps', 'apps/v1', 'DaemonSet', true],
  ['deployments.apps', 'apps/v1', 'Deployment', true],
  ['serviceaccounts', 'v1', 'ServiceAccount', true],
  ['services', 'v1', 'Service', true],
  ['configmaps', 'v1', 'ConfigMap', true],
  ['clusterroles.rbac.authorization.k8s.io', 'rbac.authorization.k8s.io/v1', 'ClusterRole', false],
  ['clusterrolebindings.rbac.authorization.k8s.io', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
  ['roles.rbac.authorization.k8s.io', 'rbac.authorization.k8s.io/v1', 'Role', true],
  ['rolebindings.rbac.authorization.k8s.io', 'rbac.authorization.k8s.io/v1', 'RoleBinding', true],
  ['validatingwebhookconfigurations.admissionregistration.k8s.io', 'admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', false],
  ['mutatingwebhookconfigurations.admissionregistration.k8s.io', 'admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', false],
  ['customresourcedefinitions.apiextensions.k8s.io', 'apiextensions.k8s.io/v1', 'CustomResourceDefinition', false],
  ['statefulsets.apps', 'apps/v1', 'StatefulSet', true],
  ['jobs.batch', 'batch/v1', 'Job', true],
  ['cronjobs.batch', 'batch/v1', 'CronJob', true],
  ['poddisruptionbudgets.policy', 'policy/v1', 'PodDisruptionBudget', true],
  ['networkpolicies.networking.k8s.io', 'networking.k8s.io/v1', 'NetworkPolicy', true],
  ['ingresses.networking.k8s.io', 'networking.k8s.io/v1', 'Ingress', true],
  ['persistentvolumeclaims', 'v1', 'PersistentVolumeClaim', true],
  ['deviceclasses.resource.k8s.io', 'resource.k8s.io/v1', 'DeviceClass', false],
  ['resourceclaims.resource.k8s.io', 'resource.k8s.io/v1', 'ResourceClaim', true],
  ['resourceclaimtemplates.resource.k8s.io', 'resource.k8s.io/v1', 'ResourceClaimTemplate', true],
  ['validatingadmissionpolicies.admissionregistration.k8s.io', 'admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', false],
  ['validatingadmissionpolicybindings.admissionregistration.k8s.io', 'admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', false],
  ['externalsecrets.external-secrets.io', 'external-secrets.io/v1', 'ExternalSecret', true],
  ['servicemonitors.monitoring.coreos.com', 'monitoring.coreos.com/v1', 'ServiceMonitor', true],
  ['podmonitors.monitoring.coreos.com', 'monitoring.coreos.com/v1', 'PodMonitor', true],
  ['prometheusrules.monitoring.coreos.com', 'monitoring.coreos.com/v1', 'PrometheusRule', true],
  ['secrets', 'v1', 'Secret', true],
];
/** Kinds a cluster may not serve: their absence is no error. */
const OPTIONAL = ['externalsecrets.external-secrets.io', 'servicemonitors.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com'];

const SECRET_VALUE = 'hunter2-never-printed';

function fixture(name: string): LiveObject[] {
  return parseAllDocuments(readFileSync(join(__dirname, 'fixtures', 'migrate', `${name}.yaml`), 'utf8'))
    .map((d) => d.toJS() as LiveObject)
    .filter(Boolean);
}

/**
 * The example's nodes and NVIDIA's device-plugin release (test/fixtures/migrate/), plus one object of every
 * other kind migrate reads in that release: removing the release deletes each by name (or keeps it, a CRD),
 * so each shows up in the plan exactly when it was read.
 */
function cluster(): Record<string, LiveObject[]> {
  const annotations = { 'meta.helm.sh/release-name': 'nvdp', 'meta.helm.sh/release-namespace': 'nvidia-device-plugin' };
  const extra = READ_TYPES.filter(([type]) => type !== 'nodes' && type !== 'daemonsets.apps').map(
    ([, apiVersion, kind, namespaced]): LiveObject => ({
      apiVersion,
      kind,
      metadata: { name: `extra-${kind.toLowerCase()}`, ...(namespaced ? { namespace: 'nvidia-device-plugin' } : {}), labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations },
      ...(kind === 'Secret' ? { type: 'Opaque', data: { password: Buffer.from(SECRET_VALUE).toString('base64') }, stringData: { token: SECRET_VALUE } } : {}),
    }),
  );
  const served: Record<string, LiveObject[]> = Object.fromEntries(READ_TYPES.map(([type]) => [type, []]));
  for (const o of [...fixture('nodes'), ...fixture('nvdp'), ...extra]) {
    const type = READ_TYPES.find(([, apiVersion, kind]) => kind === o.kind && apiVersion === o.apiVersion)?.[0];
    if (type) served[type].push(o);
  }
  return served;
}

describe('migrate', () => {
  const work = tempDir('migrate');
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');

  type Behaviour = { served: Record<string, LiveObject[]> } | { stderr: string; exit: number } | { signal: NodeJS.Signals };

  /**
   * A kubectl (a shell script: a node one costs ~100 ms a call, and a run makes eleven) that records its
   * arguments and answers `get <type>[,<type>…] -A -o json` from `served`, failing as kubectl does for a
   * type the server does not have; or that fails as told.
   */
  function kubectl(behaviour: Behaviour, name = 'kubectl'): { bin: string; calls: () => string[][] } {
    const dir = mkdtempSync(join(work, 'bin-'));
    const log = join(dir, 'calls');
    writeFileSync(log, '');
    let answer: string;
    if ('served' in behaviour) {
      mkdirSync(join(dir, 'served'));
      // one file per type: the items' JSON without the brackets, joined with commas for a list of types
      for (const [type, items] of Object.entries(behaviour.served)) writeFileSync(join(dir, 'served', `${type}.json`), items.map((o) => JSON.stringify(o)).join(','));
      answer = `items=
IFS=,
for type in $types; do
  if [ ! -f "${dir}/served/$type.json" ]; then echo "error: the server doesn't have a resource type \\"$type\\"" >&2; exit 1; fi
  part=$(cat "${dir}/served/$type.json")
  if [ -n "$part" ]; then items="\${items:+$items,}$part"; fi
done
printf '{"apiVersion":"v1","kind":"List","items":[%s]}' "$items"`;
    } else if ('signal' in behaviour) answer = `kill -${behaviour.signal.replace(/^SIG/, '')} $$`;
    else {
      writeFileSync(join(dir, 'stderr'), behaviour.stderr);
      answer = `cat "${dir}/stderr" >&2\nexit ${behaviour.exit}`;
    }
    const bin = join(dir, name);
    writeFileSync(
      bin,
      `#!/bin/sh
for arg in "$@"; do printf '%s\\n' "$arg"; done >> "${log}"
echo '--end--' >> "${log}"
prev=
types=
for arg in "$@"; do
  if [ "$prev" = get ]; then types=$arg; fi
  prev=$arg
done
${answer}
`,
    );
    chmodSync(bin, 0o755);
    const calls = () =>
      readFileSync(log, 'utf8')
        .split('--end--\n')
        .filter(Boolean)
        .map((call) => call.split('\n').slice(0, -1));
    return { bin, calls };
  }

  async function migrate(args: string[], env: Record<string, string | undefined>) {
    const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    set(env);
    try {
      return await cli(['migrate', '--cluster', kubeconfig, ...args]);
    } finally {
      set(before);
    }
  }

  it('reads every kind it knows with `get <types> -A -o json` only, once for all sites, and sees an object of each', async () => {
    const k = kubectl({ served: cluster() });
    const r = await migrate(['--site', 'sites/example.yaml', '--site', 'sites/example-operator.yaml'], { KUBECTL: k.bin });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(EXIT_FINDINGS);
    const calls = k.calls();
    for (const call of calls) {
      expect(call).toEqual(['--kubeconfig', kubeconfig, 'get', call[3], '-A', '-o', 'json']);
      expect(call[3].split(',').every((t) => t !== ''), call[3]).toBe(true);
    }
    const types = calls.flatMap((c) => c[3].split(','));
    expect([...types].sort()).toEqual(READ_TYPES.map(([t]) => t).sort());
    // secrets in a call of their own: their data is dropped as soon as they are read
    expect(calls.some((c) => c[3] === 'secrets')).toBe(true);
    const text = r.out.join('\n');
    // the nodes: where their plugin runs
    expect(text).toMatch(/^ {2}found: DaemonSet nvidia-device-plugin\/nvdp-nvidia-device-plugin .*, nodes: cloud-gpu-1, hybrid-gpu-h100-1, hybrid-gpu-h100-dra-1$/m);
    const unseen = READ_TYPES.filter(([type]) => type !== 'nodes' && type !== 'daemonsets.apps')
      .map(([, , kind]) => `extra-${kind.toLowerCase()}`)
      .filter((name) => !new RegExp(`^  \\d+\\. \\[(remove|release)\\] kubectl (delete|annotate) \\S+/${name}\\b`, 'm').test(text));
    expect(unseen).toEqual([]);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });

  it('an optional kind the cluster does not serve is no error', async () => {
    const served = cluster();
    for (const type of OPTIONAL) delete served[type];
    const k = kubectl({ served });
    const r = await migrate([], { KUBECTL: k.bin });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(EXIT_FINDINGS);
    const text = r.out.join('\n');
    expect(text).toContain('kubectl delete job.batch/extra-job -n nvidia-device-plugin --wait=true');
    expect(text).not.toContain('extra-externalsecret');
  });

  it.each(['cronjobs.batch', 'secrets'])('a core kind the cluster does not serve (%s) is bad input, not an empty cluster', async (type) => {
    const served = cluster();
    delete served[type];
    const k = kubectl({ served });
    expect(await migrate([], { KUBECTL: k.bin })).toEqual({
      code: EXIT_BAD_INPUT,
      out: [],
      err: [`${kubeconfig}: --cluster: ${k.bin} get failed: error: the server doesn't have a resource type "${type}"`],
    });
  });

  it('prints the commands from --out (default dist/), as text or one JSON document, never secret data', async () => {
    const k = kubectl({ served: cluster() });
    const text = await migrate([], { KUBECTL: k.bin });
    expect(text.out.join('\n')).toContain(' -f dist/example/');
    expect(text.out.filter((l) => l.startsWith('{'))).toEqual([]);
    const explicit = await migrate(['--output', 'text', '--out', '/srv/gitops'], { KUBECTL: k.bin });
    expect(explicit.out).toEqual(text.out.map((l) => l.replaceAll('dist/example/', '/srv/gitops/example/')));
    const json = await migrate(['--output', 'json'], { KUBECTL: k.bin });
    expect(json.code).toBe(EXIT_FINDINGS);
    expect(json.out).toHaveLength(1);
    const doc = JSON.parse(json.out[0]) as { cluster: string; sites: { site: string; components: { component: string }[] }[] };
    expect(doc.cluster).toBe(kubeconfig);
    expect(doc.sites.map((s) => s.site)).toEqual(['example']);
    expect(doc.sites[0].components.map((c) => c.component)).toEqual(['nvidia-device-plugin']);
    expect(json.out[0]).not.toContain(SECRET_VALUE);
    expect(json.out[0]).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });

  it('without $KUBECTL, runs the kubectl on PATH', async () => {
    const k = kubectl({ served: cluster() });
    const r = await migrate([], { KUBECTL: undefined, PATH: `${dirname(k.bin)}:${process.env.PATH ?? ''}` });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(k.calls().length).toBeGreaterThan(0);
  });

  it('a kubectl that cannot run or fails is bad input: one line on --cluster, exit 2', async () => {
    const missing = join(work, 'no-such-kubectl');
    const cannot = await migrate([], { KUBECTL: missing });
    expect(cannot.code).toBe(EXIT_BAD_INPUT);
    expect(cannot.out).toEqual([]);
    expect(cannot.err).toEqual([`${kubeconfig}: --cluster: cannot run ${missing}: spawnSync ${missing} ENOENT`]);
    const denied = kubectl({ exit: 1, stderr: '  \nerror: You must be logged in to the server (Unauthorized)\nsecond line\n' });
    expect(await migrate([], { KUBECTL: denied.bin })).toEqual({
      code: EXIT_BAD_INPUT,
      out: [],
      err: [`${kubeconfig}: --cluster: ${denied.bin} get failed: error: You must be logged in to the server (Unauthorized)`],
    });
    const silent = kubectl({ exit: 3, stderr: '' });
    expect((await migrate([], { KUBECTL: silent.bin })).err).toEqual([`${kubeconfig}: --cluster: ${silent.bin} get failed: exit 3`]);
    const killed = kubectl({ signal: 'SIGKILL' });
    expect((await migrate([], { KUBECTL: killed.bin })).err).toEqual([`${kubeconfig}: --cluster: ${killed.bin} get failed: exit SIGKILL`]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Rendering without the validator
// ---------------------------------------------------------------------------------------------------------

describe('diff, plan and migrate', () => {
  it('render without the validator: they compare or plan output, findings would only cost time', async () => {
    const work = tempDir('novalidate');
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
    const kubectl = join(work, 'kubectl');
    // a List without an items field: nothing on the cluster, not a crash
    writeFileSync(kubectl, `#!/bin/sh\nprintf '{"apiVersion":"v1","kind":"List"}'\n`);
    chmodSync(kubectl, 0o755);
    const spy = vi.spyOn(validator, 'validateFiles');
    const before = process.env.KUBECTL;
    process.env.KUBECTL = kubectl;
    try {
      expect((await cli(['diff', '--against', work])).code).toBe(EXIT_FINDINGS);
      expect((await cli(['plan', '--to', '1.34'])).code).toBe(EXIT_FINDINGS);
      expect((await cli(['migrate', '--cluster', kubeconfig])).code).toBe(0);
      expect(spy).not.toHaveBeenCalled();
      // the spy does see a render that validates
      expect((await cli(['validate'])).code).toBe(0);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      if (before === undefined) delete process.env.KUBECTL;
      else process.env.KUBECTL = before;
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// process-io
// ---------------------------------------------------------------------------------------------------------

describe('processIo', () => {
  class Exit extends Error {}
  const errno = (code: string) => Object.assign(new Error(code), { code });

  it("listens for the stream's 'error' event: a closed reader ends the run, another error is thrown", () => {
    const stream = Object.assign(new EventEmitter(), { written: [] as string[], write(data: string | Uint8Array) {
      this.written.push(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    } });
    const system: System = {
      write: () => {
        throw errno('EAGAIN');
      },
      stream: () => stream,
      exit: () => {
        throw new Exit('exit');
      },
      synchronous: true,
    };
    processIo(system).out('first');
    expect(stream.written).toEqual(['first\n']);
    expect(stream.listenerCount('error')).toBe(1);
    expect(() => stream.emit('error', errno('EPIPE'))).toThrow(Exit);
    expect(() => stream.emit('error', errno('EIO'))).toThrow('EIO');
  });
});

