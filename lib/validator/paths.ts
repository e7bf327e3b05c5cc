/** A path to a field inside an object, as segments: `['spec', 'containers', 0, 'image']`. */
export type FieldPath = readonly (string | number)[];

/**
 * `['spec', 'containers', 0, 'resources', 'limits', 'nvidia.com/gpu']` →
 * `spec.containers[0].resources.limits.nvidia.com/gpu`: keys joined with dots, as people write them in
 * kubectl explain and review comments. A key that would be ambiguous there (empty, leading dot, spaces)
 * is quoted: `data[".dockerconfigjson"]`.
 */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment === '' || segment.startsWith('.') || /[\s[\]"]/.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
