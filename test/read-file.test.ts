// lib/config/read-file.ts: the one way the loader reads a file (site files, bases, the registry CA).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_FILE_BYTES, readRegularFile, UnreadableFileError, unreadableReason } from '../lib/config/read-file';

let dir: string;
let server: Server;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehc-read-'));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'socket'), resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The reason readRegularFile gives, or the bytes it read. */
function read(path: string, limit?: number): string {
  try {
    return readRegularFile(path, 'a site file', limit).toString('utf8');
  } catch (err) {
    expect(err).toBeInstanceOf(UnreadableFileError);
    expect((err as UnreadableFileError).name).toBe('UnreadableFileError');
    expect((err as UnreadableFileError).message).toBe((err as UnreadableFileError).reason);
    return `refused: ${(err as UnreadableFileError).reason}`;
  }
}

describe('readRegularFile', () => {
  it('reads a regular file whole, up to the limit at both edges; 1 MiB by default', () => {
    writeFileSync(join(dir, 'ten'), '0123456789');
    expect(read(join(dir, 'ten'))).toBe('0123456789');
    expect(read(join(dir, 'ten'), 10)).toBe('0123456789');
    expect(read(join(dir, 'ten'), 9)).toBe('refused: is 10 bytes, more than the 9 bytes allowed for a site file');
    writeFileSync(join(dir, 'empty'), '');
    expect(read(join(dir, 'empty'))).toBe('');
    expect(MAX_INPUT_FILE_BYTES).toBe(1_048_576);
    writeFileSync(join(dir, 'mib'), Buffer.alloc(MAX_INPUT_FILE_BYTES, 'a'));
    expect(read(join(dir, 'mib'))).toHaveLength(MAX_INPUT_FILE_BYTES);
    writeFileSync(join(dir, 'mib+1'), Buffer.alloc(MAX_INPUT_FILE_BYTES + 1, 'a'));
    expect(read(join(dir, 'mib+1'))).toBe('refused: is 1048577 bytes, more than the 1048576 bytes allowed for a site file');
  });

  it('reads past the size fstat gives (a /proc file says 0 bytes), still stopping at the limit', () => {
    const cmdline = readFileSync('/proc/self/cmdline', 'utf8');
    expect(cmdline.length).toBeGreaterThan(10);
    expect(read('/proc/self/cmdline')).toBe(cmdline);
    expect(read('/proc/self/cmdline', cmdline.length)).toBe(cmdline);
    expect(read('/proc/self/cmdline', cmdline.length - 1)).toBe(`refused: is more than the ${cmdline.length - 1} bytes allowed for a site file`);
    expect(read('/proc/self/cmdline', 3)).toBe('refused: is more than the 3 bytes allowed for a site file');
  });

  it('refuses what is not a regular file before reading a byte, and says what it is', () => {
    mkdirSync(join(dir, 'folder'));
    expect(read(join(dir, 'folder'))).toBe('refused: is a directory, expected a site file');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    // no writer: a blocking open or read would hang here
    expect(read(join(dir, 'fifo'))).toBe('refused: is a named pipe (FIFO), not a regular file, expected a site file');
    expect(read('/dev/zero')).toBe('refused: is a device, not a regular file, expected a site file');
    expect(read('/dev/null')).toBe('refused: is a device, not a regular file, expected a site file');
    // a socket cannot be opened at all
    expect(read(join(dir, 'socket'))).toBe('refused: no such device or address');
  });

  it('a read error after a good open is refused in words too (/proc/self/mem at offset 0: EIO)', () => {
    expect(read('/proc/self/mem')).toBe('refused: input/output error while reading');
  });

  it('closes every file it opens, read or refused', () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      read(join(dir, 'ten'));
      read(join(dir, 'ten'), 3);
      read(join(dir, 'folder'));
      read('/dev/null');
      read('/proc/self/mem');
    }
    expect(open()).toBe(before);
  });

  it('names why a path cannot be opened, in words', () => {
    expect(read(join(dir, 'missing.yaml'))).toBe('refused: no such file');
    writeFileSync(join(dir, 'plain'), 'x');
    expect(read(join(dir, 'plain', 'below.yaml'))).toBe('refused: a part of the path is not a directory');
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    expect(read(join(dir, 'loop-a'))).toBe('refused: too many levels of symbolic links (a symlink loop?)');
    expect(read(join(dir, 'n'.repeat(300)))).toBe('refused: the file name is too long');
  });
});

describe('unreadableReason', () => {
  const error = (code: string | undefined, message = `${code}: something odd, open 'x'`) => Object.assign(new Error(message), code === undefined ? {} : { code });

  it.each([
    ['ENOENT', 'no such file'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
    ['ENOTDIR', 'a part of the path is not a directory'],
    ['ELOOP', 'too many levels of symbolic links (a symlink loop?)'],
    ['ENAMETOOLONG', 'the file name is too long'],
    ['EMFILE', 'too many open files'],
    ['ENFILE', 'too many open files in the system'],
    ['EIO', 'input/output error while reading'],
    ['ENXIO', 'no such device or address'],
    ['ENODEV', 'no such device'],
    ['EBUSY', 'the file is busy'],
    ['EAGAIN', 'the file is not ready to be read (a pipe or device?)'],
    ['EINVAL', 'the file name is not valid'],
    ['EOVERFLOW', 'the file is too large'],
    ['EFBIG', 'the file is too large'],
  ])('%s: %s', (code, reason) => {
    expect(unreadableReason(error(code), 'a CA bundle')).toBe(reason);
  });

  it('a directory names what was expected', () => {
    expect(unreadableReason(error('EISDIR'), 'a CA bundle')).toBe('is a directory, expected a CA bundle');
  });

  it("another code: Node's words without the path; else the code; else nothing but that it cannot be read", () => {
    expect(unreadableReason(error('EXDEV', "EXDEV: cross-device link not permitted, open '/a/b'"), 'x')).toBe('cross-device link not permitted');
    expect(unreadableReason(error('ESTRANGE', 'something without a code prefix'), 'x')).toBe('the file cannot be read (ESTRANGE)');
    expect(unreadableReason(error(undefined, 'no code at all'), 'x')).toBe('the file cannot be read');
    expect(unreadableReason('EROFS: read-only file system, open', 'x')).toBe('read-only file system');
    expect(unreadableReason(undefined, 'x')).toBe('the file cannot be read');
    // Node's words only where its message starts with the code
    expect(unreadableReason('while opening: EROFS: read-only file system', 'x')).toBe('the file cannot be read');
    // an inherited name is not a code in the table
    expect(unreadableReason(error('constructor', 'constructor'), 'x')).toBe('the file cannot be read (constructor)');
  });
});
