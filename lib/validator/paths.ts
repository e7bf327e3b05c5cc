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

/** JSON Pointer (`/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu`) → segments. */
export function pointerToPath(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}
