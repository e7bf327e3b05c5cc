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

export function formatProblem(file: string, problem: Problem): string {
  const got = problem.value === undefined ? '' : ` (got ${formatValue(problem.value)})`;
  return `${file}: ${problem.path}: ${problem.message}${got}`;
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `['nodePools', 0, 'gpu']` → `nodePools[0].gpu`. */
export function joinPath(segments: readonly (string | number)[]): string {
  if (segments.length === 0) return '(root)';
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Why a file could not be read, in words (`no such file`, `is a directory, …`), never a bare errno code. */
export function unreadableReason(err: unknown, expected: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return `is a directory, expected ${expected}`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return code ?? String(err);
  }
}
