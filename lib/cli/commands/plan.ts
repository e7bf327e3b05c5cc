import { Command, Option } from 'commander';
import type { CommandFactory } from '../sites';
import { EXIT_FINDINGS, forEachSite, selectSites, siteFileOptions } from '../sites';
import { SiteConfigError } from '../../config/problems';
import { buildSite } from '../../pipeline/pipeline';
import { minorOf, SUPPORTED_KUBERNETES_VERSIONS } from '../../core/versions';

/**
 * `plan`: renders each selected site for its current minor and for `--to` in memory and prints the
 * upgrade plan (lib/output/upgrade-plan.ts): exit 0 when the output does not change, 1 when it does, 2 on bad
 * input, a skipped minor or a downgrade (EKS moves one minor at a time and never back).
 */
export function planCommand(...[registry, io, setExit]: Parameters<CommandFactory>): Command {
  const minors = [...SUPPORTED_KUBERNETES_VERSIONS];
  return siteFileOptions(new Command('plan'))
    .description('plan an upgrade to the next Kubernetes minor: what changes and why, what must be re-created, the steps in order; exit 1 when the output changes')
    .addOption(new Option('--to <minor>', 'target Kubernetes minor (the next one after --from)').choices(minors).makeOptionMandatory())
    .addOption(new Option('--from <minor>', "current Kubernetes minor (default: the site file's kubernetesVersion)").choices(minors))
    .action(async (opts: { site?: string[]; all?: boolean; to: string; from?: string }) => {
      // loaded here, not at the top: every CLI start registers this command, few run it (YAML parsing, schemas)
      const { formatUpgradePlan, planChangesNothing, planUpgrade } = await import('../../output/upgrade-plan.js');
      let first = true;
      await forEachSite(selectSites(opts), io, setExit, (file) => {
        // checked before rendering too: a site may not render at all on a --from two minors back
        if (opts.from !== undefined) checkOneMinorUp(file, opts.from, opts.to);
        const current = buildSite(file, registry, { kubernetesVersion: opts.from, validate: false });
        const from = current.site.config.kubernetesVersion;
        checkOneMinorUp(file, from, opts.to);
        if (!first) io.out('');
        first = false;
        if (from === opts.to) {
          io.out(`${current.site.config.name}: already on Kubernetes ${from}; nothing to upgrade`);
          return;
        }
        const plan = planUpgrade(current, buildSite(file, registry, { kubernetesVersion: opts.to, validate: false }));
        for (const line of formatUpgradePlan(plan)) io.out(line);
        if (!planChangesNothing(plan)) setExit(EXIT_FINDINGS);
      });
    });
}

/** EKS upgrades a cluster one minor at a time and never downgrades it. */
export function checkOneMinorUp(file: string, from: string, to: string): void {
  const steps = minorOf(to) - minorOf(from);
  if (steps < 0) {
    throw new SiteConfigError(file, [{ path: 'kubernetesVersion', message: `EKS cannot downgrade a cluster from ${from}; plan an upgrade to a newer minor`, value: to }]);
  }
  if (steps > 1) {
    const next = `1.${minorOf(from) + 1}`;
    throw new SiteConfigError(file, [
      {
        path: 'kubernetesVersion',
        message: `upgrading ${from} → ${to} skips ${next}${steps > 2 ? ` … 1.${minorOf(to) - 1}` : ''}; EKS upgrades one minor at a time: plan --to ${next} first`,
        value: to,
      },
    ]);
  }
}
