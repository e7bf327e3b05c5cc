import { dirname } from 'node:path';
import { configAdvice, exampleValueAdvice } from './advice';
import { readSiteInputs, type SiteInputs } from './inputs';
import { outsideOf, readSiteSource, whereCheckable, type SiteSource } from '../config/load';
import { checkSiteDocument } from './checks';
import { originOf, siteConfigError } from '../config/overlay';
import type { SiteConfig } from '../config/schema';

/** Everything a chart may know about a site: the validated config and what the loader read for it. */
export interface Site {
  readonly config: SiteConfig;
  /**
   * The site file as named on the command line, the sha256 over its inputs (see SiteSource), and every
   * file read for it in the order applied (the files it extends first).
   */
  readonly source: { readonly file: string; readonly sha256: string; readonly files: SiteSource['files'] };
  readonly inputs: SiteInputs;
  /** Things worth saying that do not stop the render (printed as `warning:` lines). */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** Render for this Kubernetes minor instead of the file's `kubernetesVersion` (matrix tests, cluster tests). */
  readonly kubernetesVersion?: string;
  /** Environment the loader may read opted-in variables from. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The only place that reads a site's files: parse, validate, default, then read side inputs. */
export function loadSite(file: string, options: LoadOptions = {}): Site {
  const source = readSiteSource(file);
  const document =
    options.kubernetesVersion === undefined
      ? source.document
      : { ...(source.document as object), kubernetesVersion: options.kubernetesVersion };
  const checked = checkSiteDocument(document);
  const config = checked.config;
  // a path in a file is relative to that file: registry.caFile set in a base is read beside the base
  const caDir = dirname(originOf(file, source.document, 'registry.caFile'));
  // Files and environment variables are checked also when the schema found problems (every problem
  // at once), as far as the config can be read: not at all when what it names has the wrong type.
  const env = options.env ?? process.env;
  const read = checked.schemaValid
    ? readSiteInputs(config, caDir, env)
    : (whereCheckable(config, checked.refused, (c) => readSiteInputs(c, caDir, env)) ?? {
        inputs: {},
        problems: [],
        // Stryker disable next-line ArrayDeclaration: equivalent, taken only when the schema refused a field, and then loadSite throws below before anything reads the warnings
        warnings: [],
      });
  const { inputs, warnings } = read;
  const problems = [...checked.problems, ...outsideOf(checked.refused, read.problems)];
  if (problems.length > 0) throw siteConfigError(file, source.document, problems);
  // Stryker disable next-line ArrayDeclaration: equivalent, any made-up subject is not the example CA's
  const caSubjects = inputs.registryCa?.certificates.map((c) => c.subject) ?? [];
  const advice = [...configAdvice(config), ...exampleValueAdvice(config, caSubjects)];
  return { config, source: { file, sha256: source.sha256, files: source.files }, inputs, warnings: [...advice, ...warnings] };
}
