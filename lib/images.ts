import type { SiteConfig } from './config/schema';

/** Splits an image reference into registry host and the rest, the way container runtimes resolve it. */
export function splitImage(image: string): { registry: string; path: string } {
  const slash = image.indexOf('/');
  const first = slash >= 0 ? image.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, path: image.slice(slash + 1) };
  }
  // Docker Hub: `nginx:1.27` is docker.io/library/nginx:1.27.
  return { registry: 'docker.io', path: slash >= 0 ? image : `library/${image}` };
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
