import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Site files and the files they point to are small: a site file, a base, a CA bundle. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

/** A file that could not be read, and why in words. */
export class UnreadableFileError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnreadableFileError';
  }
}

/**
 * Reads a regular file of at most `limit` bytes. Anything else is refused before a byte is read: a FIFO
 * (opened without blocking, so a pipe with no writer cannot hang the run), a device (`/dev/zero` would
 * grow without end), a directory, a socket. `expected` completes "expected …" in messages.
 */
export function readRegularFile(path: string, expected: string, limit: number = MAX_INPUT_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new UnreadableFileError(unreadableReason(err, expected));
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnreadableFileError(`${kindOf(stat)}, expected ${expected}`);
    if (stat.size > limit) throw new UnreadableFileError(`is ${stat.size} bytes, more than the ${limit} bytes allowed for ${expected}`);
    // Read to the end, never more than limit + 1 bytes: a file may hold more than fstat said (it grew, or
    // its file system does not know sizes, as /proc), and one that grows past the limit is still caught.
    // Stryker disable next-line MethodExpression: equivalent, only the first allocation's size (the buffer grows as needed)
    let buffer = Buffer.alloc(Math.min(stat.size, limit) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) return buffer.subarray(0, length);
      length += n;
      if (length > limit) throw new UnreadableFileError(`is more than the ${limit} bytes allowed for ${expected}`);
      // Stryker disable next-line ConditionalExpression: equivalent, growing a buffer with room left only costs memory
      if (length === buffer.length) {
        // Stryker disable next-line MethodExpression: equivalent, a larger buffer reads the same bytes (the limit is checked on the count)
        const grown = Buffer.alloc(Math.min(buffer.length * 2, limit + 1));
        buffer.copy(grown);
        buffer = grown;
      }
    }
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(unreadableReason(err, expected));
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'is a directory';
  if (stat.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  // the rest is a character or block device: a socket cannot be opened (ENXIO) and open() follows symlinks
  return 'is a device, not a regular file';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symbolic links (a symlink loop?)',
  ENAMETOOLONG: 'the file name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error while reading',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EBUSY: 'the file is busy',
  EAGAIN: 'the file is not ready to be read (a pipe or device?)',
  EINVAL: 'the file name is not valid',
  EOVERFLOW: 'the file is too large',
  EFBIG: 'the file is too large',
};

/** Why a file could not be read, in words (`no such file`, `is a directory, …`), never a bare errno code. */
export function unreadableReason(err: unknown, expected: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EISDIR') return `is a directory, expected ${expected}`;
  // Stryker disable next-line ConditionalExpression: equivalent, "undefined" is no key of the table either
  if (code !== undefined && Object.hasOwn(REASONS, code)) return REASONS[code];
  // Node's own text after the code (`EXDEV: cross-device link not permitted, open 'x'`), without the path
  const message = err instanceof Error ? err.message : String(err);
  const words = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1];
  return words ?? `the file cannot be read${code ? ` (${code})` : ''}`;
}
