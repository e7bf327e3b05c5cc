import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import { imageRef, imageTag, parseImage, releaseTag, splitImage } from '../lib/model/images';
import { labelValueProblem } from '../lib/site/semantic';

const DEFAULT = 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references', () => {
  it('splits registries the way container runtimes resolve them', () => {
    expect(splitImage('nginx:1.27')).toEqual({ registry: 'docker.io', path: 'library/nginx:1.27' });
    expect(splitImage('harbor.example.com:8443/library/nginx:1.27')).toEqual({ registry: 'harbor.example.com:8443', path: 'library/nginx:1.27' });
    // a first part without "." or ":" is a Docker Hub namespace, except localhost
    expect(splitImage('bitnami/nginx:1.27')).toEqual({ registry: 'docker.io', path: 'bitnami/nginx:1.27' });
    expect(splitImage('localhost/app:1')).toEqual({ registry: 'localhost', path: 'app:1' });
    expect(splitImage('localhost:5000/app:1')).toEqual({ registry: 'localhost:5000', path: 'app:1' });
    expect(splitImage('nvcr.io/nvidia/k8s-device-plugin:v0.20.0')).toEqual({ registry: 'nvcr.io', path: 'nvidia/k8s-device-plugin:v0.20.0' });
    // without a slash, even a name that looks like a host is a Docker Hub image
    expect(splitImage('localhost:5000')).toEqual({ registry: 'docker.io', path: 'library/localhost:5000' });
    expect(splitImage('a.b/c/d:1')).toEqual({ registry: 'a.b', path: 'c/d:1' });
  });

  it('pulls through the Harbor proxy-cache project of the image\'s registry, and leaves other registries alone', () => {
    const config = { registry: { hostname: 'harbor.lab:8443', proxyCache: { 'nvcr.io': 'nvcr-proxy', 'docker.io': 'hub' } } } as unknown as SiteConfig;
    expect(imageRef(config, 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0')).toBe('harbor.lab:8443/nvcr-proxy/nvidia/k8s-device-plugin:v0.20.0');
    expect(imageRef(config, 'nginx:1.27')).toBe('harbor.lab:8443/hub/library/nginx:1.27');
    expect(imageRef(config, 'registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
  });

  it('parses tag and digest, the one parser of both the version label and the image-pinned policy check', () => {
    expect(parseImage(DEFAULT)).toStrictEqual({ tag: 'v0.20.0' });
    expect(parseImage(`${DEFAULT}@${DIGEST}`)).toStrictEqual({ tag: 'v0.20.0', digest: DIGEST });
    expect(parseImage(`nvcr.io/nvidia/k8s-device-plugin@${DIGEST}`)).toStrictEqual({ digest: DIGEST });
    // a registry port is not a tag; a trailing ":" is an empty one
    expect(parseImage('harbor.example.com:8443/library/nginx')).toStrictEqual({});
    expect(parseImage('busybox:')).toStrictEqual({ tag: '' });
    expect(parseImage('localhost:5000')).toStrictEqual({ tag: '5000' });
  });

  it('reads the tag, or a short digest form, or says untagged', () => {
    expect(imageTag(DEFAULT)).toBe('v0.20.0');
    expect(imageTag(`${DEFAULT}@${DIGEST}`)).toBe('v0.20.0');
    expect(imageTag(`nvcr.io/nvidia/k8s-device-plugin@${DIGEST}`)).toBe('sha256-0123456789ab');
    expect(imageTag('harbor.example.com:8443/library/nginx')).toBe('untagged');
  });

  it('gives a release label that is always a valid label value, also for digest-pinned images', () => {
    expect(releaseTag('nvcr.io/nvidia/k8s-device-plugin:v0.19.1', DEFAULT)).toBe('v0.19.1');
    const pinned = releaseTag(`nvcr.io/nvidia/k8s-device-plugin@${DIGEST}`, DEFAULT);
    expect(pinned).toBe('sha256-0123456789ab');
    expect(labelValueProblem(pinned)).toBeUndefined();
    expect(releaseTag('harbor.example.com:8443/nvidia/k8s-device-plugin', DEFAULT)).toBe('v0.20.0');
  });
});
