import { Command } from 'commander';
import type { CommandFactory } from '../cli';
import { forEachSite, selectSites } from '../cli';
import { costReport, costText } from '../cost';
import { loadSite } from '../site';

/**
 * `cost`: monthly EKS Hybrid Nodes cost of each selected site from its pools' vCPUs (config only,
 * nothing is rendered). A function declaration: lib/cli.ts registers it while this file imports lib/cli.
 */
export function costCommand(...[, io, setExit]: Parameters<CommandFactory>): Command {
  return new Command('cost')
    .description('print the monthly EKS Hybrid Nodes cost per pool and in total (tiered AWS price beside the guide\'s flat rate)')
    .option('--site <file>', 'site config file (repeatable; default sites/example.yaml)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all', 'every site file in sites/')
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
