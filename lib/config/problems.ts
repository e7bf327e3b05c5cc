/** One thing wrong with a site config, located by field path (`nodePools[0].gpu.mode`). */
export interface Problem {
  /** Field path in dotted/indexed form; `(root)` for the whole document. */
  readonly path: string;
  readonly message: string;
  /** The offending value, shown as `(got …)`; omitted for missing fields. */
  readonly value?: unknown;
  /**
   * Other fields the problem is about (the other side of an overlap): when the config was merged from
   * several files and one of them was set in another file than `path`, the message names that file.
   */
  readonly related?: readonly string[];
}

/** Bad user input: the CLI prints `problems` one per line and exits 2, without a stack trace. */
export class SiteConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'SiteConfigError';
  }
}

/** A site config file that cannot be read at all (missing, a folder, no permission): `reason` says why in words. */
export class UnreadableSiteFileError extends SiteConfigError {
  constructor(
    file: string,
    readonly reason: string,
  ) {
    super(file, [{ path: '(root)', message: `cannot read the file: ${reason}` }]);
  }
}

export function formatProblem(file: string, problem: Problem): string {
  const got = problem.value === undefined ? '' : ` (got ${formatValue(problem.value)})`;
  return `${file}: ${problem.path}: ${problem.message}${got}`;
}

function formatValue(value: unknown): string {
  // YAML's .nan and .inf (and 1e400, which is .inf) are numbers JSON cannot write: it would say null
  // Stryker disable next-line EqualityOperator: equivalent, a number that is not finite is never 0
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export { unreadableReason } from './read-file';
