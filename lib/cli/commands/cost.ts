import { Command } from 'commander';
import type { CommandFactory } from '../sites';
import { forEachSite, selectSites, siteFileOptions } from '../sites';
import { costReport, costText } from '../../artifacts/cost';
import { loadSite } from '../../site/site';

/**
 * `cost`: monthly EKS Hybrid Nodes cost of each selected site from its pools' vCPUs (config only,
 * nothing is rendered).
 */
export function costCommand(...[, io, setExit]: Parameters<CommandFactory>): Command {
  return siteFileOptions(new Command('cost'))
    .description('print the monthly EKS Hybrid Nodes cost per pool and in total (tiered AWS price beside the guide\'s flat rate)')
    .action(async (opts: { site?: string[]; all?: boolean }) => {
      let first = true;
      await forEachSite(selectSites(opts), io, setExit, (file) => {
        const site = loadSite(file);
        if (!first) io.out('');
        first = false;
        for (const line of costText(site.config.name, costReport(site.config))) io.out(line);
      });
    });
}
