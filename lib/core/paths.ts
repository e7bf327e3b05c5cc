/** A path to a field inside an object, as segments: `['spec', 'containers', 0, 'image']`. */
export type FieldPath = readonly (string | number)[];

/**
 * A path as shown to people: a list item may also be named by one of its fields
 * (`{ key: 'name', value: 'gpus' }`, written `[name=gpus]`), as diff matches containers by name.
 */
export type DisplayPath = readonly (string | number | KeyedItem)[];

/** A list item identified by the value of one of its fields. */
export interface KeyedItem {
  readonly key: string;
  readonly value: string | number;
}

/**
 * How {@link formatPath} writes keys. `object`: as people write paths of Kubernetes objects in kubectl
 * explain and review comments, keys joined with dots and quoted only where that would be ambiguous
 * (empty, leading dot, spaces): `spec.containers[0].resources.limits.nvidia.com/gpu`, `data[".dockerconfigjson"]`.
 * `config`: site config fields as problems name them, exactly, so overlay.ts's splitPath reads them
 * back: dots only before identifiers, every other key quoted (`nodePools[0].labels["nvidia.com/gpu"]`),
 * and the empty path is `(root)`.
 */
export type PathStyle = 'object' | 'config';

/** `['nodePools', 0, 'gpu']` → `nodePools[0].gpu` (see {@link PathStyle} for how other keys are written). */
// Stryker disable next-line StringLiteral: equivalent, every style but 'config' writes the object style
export function formatPath(path: DisplayPath, style: PathStyle = 'object'): string {
  if (style === 'config' && path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'object') out += `[${segment.key}=${segment.value}]`;
    else if (style === 'config' ? !/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) : segment === '' || segment.startsWith('.') || /[\s[\]"]/.test(segment)) {
      out += `[${JSON.stringify(segment)}]`;
    } else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** A site config field path as problems name it: `nodePools[0].labels["example.com/x"]`, `(root)` for the whole file. */
export function configPath(path: DisplayPath): string {
  return formatPath(path, 'config');
}
