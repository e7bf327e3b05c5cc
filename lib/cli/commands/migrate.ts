import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { CommandFactory } from '../sites';
import { EXIT_FINDINGS, forEachSite, selectSites, siteFileOptions } from '../sites';
import { SiteConfigError } from '../../config/problems';
import type { LiveObject } from '../../output/migrate';
import { buildSite } from '../../pipeline/pipeline';

/**
 * `migrate`: reads a live cluster (through kubectl and the given kubeconfig, read-only: `get` only) and
 * prints, per component, how to switch from what Helm (or eksctl, or a hand-applied manifest) installed
 * to our output without two copies at once (lib/output/migrate.ts). Exit 0 when nothing needs migrating, 1 when
 * there are steps, 2 on bad input or a cluster that cannot be asked, like diff.
 */
export function migrateCommand(...[registry, io, setExit]: Parameters<CommandFactory>): Command {
  return siteFileOptions(new Command('migrate'))
    .description('read a cluster (read-only) and print how to move each component off Helm or another install: order, what to keep, what to check; exit 1 when there are steps')
    .requiredOption('--cluster <kubeconfig>', 'kubeconfig of the cluster to read (through kubectl, or $KUBECTL)')
    .option('--out <dir>', 'output root the printed commands apply from (dist/<site>/…)', 'dist')
    .addOption(new Option('--output <format>', 'text for people, json for scripts (one document on stdout)').choices(['text', 'json']).default('text'))
    .action(async (opts: { site?: string[]; all?: boolean; cluster: string; out: string; output: 'text' | 'json' }) => {
      if (!existsSync(opts.cluster)) throw new SiteConfigError('--cluster', [{ path: opts.cluster, message: 'no such kubeconfig file' }]);
      const { formatMigrationPlan, planMigration, planNeedsSteps } = await import('../../output/migrate.js');
      // read once for every site: the cluster is the same
      let live: LiveObject[] | undefined;
      const plans: unknown[] = [];
      await forEachSite(selectSites(opts), io, setExit, (file) => {
        const build = buildSite(file, registry, { validate: false });
        live ??= readCluster(opts.cluster);
        const plan = planMigration(build.site.config.name, join(opts.out, build.site.config.name), build.result.files, live);
        if (planNeedsSteps(plan)) setExit(EXIT_FINDINGS);
        if (opts.output === 'json') plans.push(plan);
        else for (const line of formatMigrationPlan(plan, opts.cluster)) io.out(line);
      });
      if (opts.output === 'json') io.out(JSON.stringify({ cluster: opts.cluster, sites: plans }, null, 2));
    });
}

/** Kinds read in one call; every cluster serves them. */
const CORE_KINDS = [
  'nodes',
  'daemonsets.apps',
  'deployments.apps',
  'serviceaccounts',
  'services',
  'configmaps',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
  // the other kinds charts commonly install: a release is removed object by object, so what is not read here stays
  'statefulsets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'poddisruptionbudgets.policy',
  'networkpolicies.networking.k8s.io',
  'ingresses.networking.k8s.io',
  'persistentvolumeclaims',
];
/** Kinds a cluster may not serve (DRA before 1.32 without its API, External Secrets not installed, VAP before 1.30). */
const OPTIONAL_KINDS = [
  'deviceclasses.resource.k8s.io',
  'resourceclaims.resource.k8s.io',
  'resourceclaimtemplates.resource.k8s.io',
  'validatingadmissionpolicies.admissionregistration.k8s.io',
  'validatingadmissionpolicybindings.admissionregistration.k8s.io',
  'externalsecrets.external-secrets.io',
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
];

/** Everything planMigration looks at, read with `kubectl get` (the user's own kubectl and credentials). */
function readCluster(kubeconfig: string, kubectl = process.env.KUBECTL ?? 'kubectl'): LiveObject[] {
  // A kind the server does not have is empty only when it is optional: a core kind missing (or one of a
  // combined call: kubectl then prints nothing for the others) must not read as "nothing to migrate".
  const get = (types: string, optional = false): LiveObject[] => {
    const r = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'get', types, '-A', '-o', 'json'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    if (r.error) throw new SiteConfigError(kubeconfig, [{ path: '--cluster', message: `cannot run ${kubectl}: ${r.error.message}` }]);
    if (r.status !== 0) {
      if (optional && /doesn't have a resource type|the server could not find the requested resource/.test(r.stderr)) return [];
      throw new SiteConfigError(kubeconfig, [{ path: '--cluster', message: `${kubectl} get failed: ${r.stderr.trim().split('\n')[0] || `exit ${r.status ?? r.signal}`}` }]);
    }
    return (JSON.parse(r.stdout) as { items?: LiveObject[] }).items ?? [];
  };
  const objects = [...get(CORE_KINDS.join(',')), ...OPTIONAL_KINDS.flatMap((k) => get(k, true))];
  // Secrets: pull secrets (dockerconfigjson) are candidates, any Secret may belong to a release; their data is
  // dropped at once (never kept, never printed).
  const secrets = get('secrets').map(({ data: _data, stringData: _stringData, ...rest }) => rest as LiveObject);
  return [...objects, ...secrets];
}
