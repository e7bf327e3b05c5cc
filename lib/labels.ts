import pkg from '../package.json';

export const GENERATOR_NAME = pkg.name;
export const GENERATOR_VERSION = pkg.version;

/** The recommended labels every rendered object carries (objects may set their own component/version). */
export function standardLabels(siteName: string, component: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': GENERATOR_NAME,
    'app.kubernetes.io/part-of': siteName,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/version': version,
  };
}
