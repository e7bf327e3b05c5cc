import { describe, expect, it } from 'vitest';
import { imageTag, parseImage, releaseTag, splitImage } from '../lib/model/images';
import { labelValueProblem } from '../lib/site/semantic';

const DEFAULT = 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references', () => {
  it('splits registries the way container runtimes resolve them', () => {
    expect(splitImage('nginx:1.27')).toEqual({ registry: 'docker.io', path: 'library/nginx:1.27' });
    expect(splitImage('harbor.example.com:8443/library/nginx:1.27')).toEqual({ registry: 'harbor.example.com:8443', path: 'library/nginx:1.27' });
  });

  it('parses tag and digest, the one parser of both the version label and the image-pinned policy check', () => {
    expect(parseImage(DEFAULT)).toEqual({ tag: 'v0.20.0' });
    expect(parseImage(`${DEFAULT}@${DIGEST}`)).toEqual({ tag: 'v0.20.0', digest: DIGEST });
    expect(parseImage(`nvcr.io/nvidia/k8s-device-plugin@${DIGEST}`)).toEqual({ digest: DIGEST });
    // a registry port is not a tag; a trailing ":" is an empty one
    expect(parseImage('harbor.example.com:8443/library/nginx')).toEqual({});
    expect(parseImage('busybox:')).toEqual({ tag: '' });
    expect(parseImage('localhost:5000')).toEqual({ tag: '5000' });
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
