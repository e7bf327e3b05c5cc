/**
 * A StrykerJS ignorer (stryker.config.json `ignorers`): no mutants in the `description` texts of the site
 * config schema (lib/config/). They are documentation: docs/configuration.md and the editor schemas
 * print them, and what checks those files is a freshness test ("is what `npm run docs` generates"),
 * which the mutation run skips because it fails on any change to the schema whatever the change means.
 * Left in, each of the ~170 descriptions would be a survivor that re-runs every test file (schema code
 * runs when its module loads). Reported as "ignored" with this reason, and counted apart from the score.
 * Everything else in lib/config is mutated: bounds, patterns, defaults, enums and the error messages.
 *
 * Plain objects, not @stryker-mutator/api's declareValuePlugin, so nothing depends on that package's
 * place in node_modules.
 */
export const REASON = 'documentation text of the site config schema (docs/configuration.md, the editor schemas)';

function filename(path) {
  return path.hub?.file?.opts?.filename ?? '';
}

export const configDocsIgnorer = {
  shouldIgnore(path) {
    if (!/(^|[\\/])lib[\\/]config[\\/][^\\/]+\.ts$/.test(filename(path))) return undefined;
    if (path.node.type !== 'ObjectProperty' || path.node.computed) return undefined;
    const key = path.node.key;
    const name = key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : undefined;
    return name === 'description' ? REASON : undefined;
  },
};

export const strykerPlugins = [{ kind: 'Ignore', name: 'config-docs', value: configDocsIgnorer }];
