import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeSiteFiles } from '../lib/writer';
import { snapshotTree } from './helpers/tree';

const previous = [
  { path: '00-namespaces.yaml', content: 'old namespaces\n' },
  { path: '20-gone.yaml', content: 'a chart that will disappear\n' },
  { path: 'nodes/gpu.nodeconfig.yaml', content: 'old node config\n' },
];
const next = [
  { path: '00-namespaces.yaml', content: 'new namespaces\n' },
  { path: 'kustomization.yaml', content: 'resources: [00-namespaces.yaml]\n' },
];

describe('writeSiteFiles', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ehc-writer-'));
    writeSiteFiles(root, 'example', previous);
  });

  it('replaces the whole folder: new files in, files of removed charts gone, no staging left', () => {
    writeSiteFiles(root, 'example', next);
    expect(snapshotTree(join(root, 'example'))).toEqual(
      Object.fromEntries(next.map((f) => [f.path, Buffer.from(f.content).toString('base64')])),
    );
    expect(readdirSync(root)).toEqual(['example']);
  });

  it('leaves other sites alone', () => {
    writeSiteFiles(root, 'other', next);
    writeSiteFiles(root, 'example', next);
    expect(readFileSync(join(root, 'other', '00-namespaces.yaml'), 'utf8')).toBe('new namespaces\n');
  });

  it('keeps the previous output when writing fails half-way (injected fault)', () => {
    const before = snapshotTree(root);
    let count = 0;
    expect(() =>
      writeSiteFiles(root, 'example', [...next, ...next.map((f) => ({ ...f, path: `x/${f.path}` }))], {
        onFileWritten: () => {
          count += 1;
          if (count === 2) throw new Error('disk full (injected)');
        },
      }),
    ).toThrow('disk full (injected)');
    expect(count).toBe(2);
    expect(snapshotTree(root)).toEqual(before);
  });

  it('keeps the previous output when the process is killed half-way, and the next run cleans up', () => {
    const before = snapshotTree(join(root, 'example'));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/kill-during-write.ts', root, 'example', '7'], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    // the half-written staging folder is there, the site folder is untouched
    expect(readdirSync(root).some((n) => n.startsWith('.example.staging-'))).toBe(true);
    expect(snapshotTree(join(root, 'example'))).toEqual(before);
    writeSiteFiles(root, 'example', next);
    expect(readdirSync(root)).toEqual(['example']);
    expect(readFileSync(join(root, 'example', '00-namespaces.yaml'), 'utf8')).toBe('new namespaces\n');
  });

  it('restores the previous output if a crash hit between the two renames of the swap', () => {
    const before = snapshotTree(join(root, 'example'));
    // the state a crash after the first rename leaves: no site folder, the old one parked beside it
    renameSync(join(root, 'example'), join(root, '.example.previous-abc123'));
    mkdirSync(join(root, '.example.staging-abc123'));
    writeFileSync(join(root, '.example.staging-abc123', 'half.yaml'), 'half\n');
    expect(() =>
      writeSiteFiles(root, 'example', next, {
        onFileWritten: () => {
          throw new Error('injected');
        },
      }),
    ).toThrow('injected');
    expect(existsSync(join(root, 'example'))).toBe(true);
    expect(snapshotTree(join(root, 'example'))).toEqual(before);
    expect(readdirSync(root)).toEqual(['example']);
  });
});
