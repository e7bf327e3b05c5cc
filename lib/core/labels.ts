import pkg from '../../package.json';

export const GENERATOR_NAME = pkg.name;
export const GENERATOR_VERSION = pkg.version;

/** Label of the component an object belongs to: the privilege allowlist grants by it, the site README groups by it. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** Label of the upstream version an object deploys. */
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** The recommended labels every rendered object carries (objects may set their own component/version). */
export function standardLabels(siteName: string, component: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': GENERATOR_NAME,
    'app.kubernetes.io/part-of': siteName,
    [COMPONENT_LABEL]: component,
    [VERSION_LABEL]: version,
  };
}
