import { Command } from 'commander';
import type { CommandFactory } from '../cli';
import { selectSites } from '../cli';
import { costReport, costText } from '../cost';
import { loadSite } from '../site';

/**
 * `cost`: monthly EKS Hybrid Nodes cost of each selected site from its pools' vCPUs (config only,
 * nothing is rendered). A function declaration: lib/cli.ts registers it while this file imports lib/cli.
 */
export function costCommand(...[, io]: Parameters<CommandFactory>): Command {
  return new Command('cost')
    .description('print the monthly EKS Hybrid Nodes cost per pool and in total (tiered AWS price beside the guide\'s flat rate)')
    .option('--site <file>', 'site config file (repeatable; default sites/example.yaml)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all', 'every site file in sites/')
    .action((opts: { site?: string[]; all?: boolean }) => {
      selectSites(opts).forEach((file, i) => {
        const site = loadSite(file);
        if (i > 0) io.out('');
        for (const line of costText(site.config.name, costReport(site.config))) io.out(line);
      });
    });
}
