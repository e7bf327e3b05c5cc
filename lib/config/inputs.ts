import type { Problem } from './problems';
import type { SiteConfig } from './schema';

/**
 * What the loader reads besides the site file itself (files the config points to, environment
 * variables the user opted in to). Charts get these through `Site.inputs` and never read anything.
 */
export interface SiteInputs {}

export interface InputsResult {
  readonly inputs: SiteInputs;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

/** Reads the site's side inputs; `siteDir` is the directory of the site file (relative paths start there). */
export function readSiteInputs(_config: SiteConfig, _siteDir: string, _env: NodeJS.ProcessEnv): InputsResult {
  return { inputs: {}, problems: [], warnings: [] };
}
