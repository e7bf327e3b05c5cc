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
 * `['spec', 'containers', 0, 'resources', 'limits', 'nvidia.com/gpu']` →
 * `spec.containers[0].resources.limits.nvidia.com/gpu`: keys joined with dots, as people write them in
 * kubectl explain and review comments. A key that would be ambiguous there (empty, leading dot, spaces)
 * is quoted: `data[".dockerconfigjson"]`.
 */
export function formatPath(path: DisplayPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'object') out += `[${segment.key}=${segment.value}]`;
    else if (segment === '' || segment.startsWith('.') || /[\s[\]"]/.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
