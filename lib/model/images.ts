import type { SiteConfig } from '../config/schema';

/** Splits an image reference into registry host and the rest, the way container runtimes resolve it. */
export function splitImage(image: string): { registry: string; path: string } {
  const [first, ...rest] = image.split('/');
  if (rest.length === 0) return { registry: 'docker.io', path: `library/${image}` }; // `nginx:1.27` is docker.io/library/nginx:1.27
  if (first.includes('.') || first.includes(':') || first === 'localhost') return { registry: first, path: rest.join('/') };
  return { registry: 'docker.io', path: image }; // `bitnami/nginx` is a Docker Hub namespace
}

/**
 * The image reference a site's nodes pull: unchanged, or through the Harbor proxy-cache project the
 * site configures for the image's registry. Every chart builds its image references here.
 */
export function imageRef(config: SiteConfig, image: string): string {
  const { registry, path } = splitImage(image);
  const project = config.registry.proxyCache[registry];
  return project ? `${config.registry.hostname}/${project}/${path}` : image;
}

/**
 * The parts of an image reference: `tag` after the last ":" past the last "/" (undefined without one;
 * empty for a trailing ":"), `digest` after the "@" (undefined without one). Both may be present.
 */
export function parseImage(image: string): { readonly tag?: string; readonly digest?: string } {
  const [name, digest] = image.split('@');
  const colon = name.lastIndexOf(':');
  return { ...(colon > name.lastIndexOf('/') ? { tag: name.slice(colon + 1) } : {}), ...(digest === undefined ? {} : { digest }) };
}

/**
 * The tag of an image reference, for the `app.kubernetes.io/version` label: `repo:tag` or `repo:tag@digest`
 * give the tag; a digest alone gives `sha256-<12 hex>` (a label value cannot hold ":").
 */
export function imageTag(image: string): string {
  const { tag, digest } = parseImage(image);
  if (tag !== undefined) return tag;
  return digest ? `sha256-${digest.slice('sha256:'.length, 'sha256:'.length + 12)}` : 'untagged';
}

/**
 * The release an image runs, for the `app.kubernetes.io/version` label of a component whose default
 * image is pinned to a release tag: `v0.20.0` from `…/k8s-device-plugin:v0.20.0`; `sha256-<12 hex>` for a
 * reference pinned by digest only (a label value must stay within 63 characters); the default image's
 * tag for an untagged reference.
 */
export function releaseTag(image: string, defaultImage: string): string {
  const tag = imageTag(image);
  return tag === 'untagged' ? imageTag(defaultImage) : tag;
}
