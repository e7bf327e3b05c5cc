import { writeSync } from 'node:fs';
import type { Io } from './sites';

/**
 * The CLI's output lines, written to file descriptors 1 and 2 with `fs.writeSync`.
 *
 * Not `console.log`: the first use of `process.stdout` or `process.stderr` builds a stream, and when the
 * descriptor is a pipe or a terminal (as under npm) that loads Node's `net` and `tty` modules: a few
 * milliseconds of a start that takes about 70 ms of work (issue 18). A line is written whole before the
 * next one, in the order the CLI prints them, as console.log does on a file, pipe or terminal (which
 * Node writes synchronously on Linux and macOS).
 *
 * Two cases go through the stream after all, from then on for that descriptor so lines stay in order:
 * a descriptor in non-blocking mode (EAGAIN: a parent shared it that way), which the stream waits on,
 * and Windows, where Node writes pipes asynchronously. A closed reader (EPIPE: `npm run diff | head`)
 * ends the process with the exit code so far: stopping early is the reader's choice, not an error.
 */
export function processIo(system: System = NODE_SYSTEM): Io {
  return { out: lineWriter(1, system), err: lineWriter(2, system) };
}

/** What the writers use of the process (tests pass their own). */
export interface System {
  readonly write: (fd: number, data: Uint8Array, offset: number) => number;
  readonly stream: (fd: 1 | 2) => { write(data: string | Uint8Array): unknown; on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown };
  readonly exit: () => never;
  readonly synchronous: boolean;
}

/** This process's own: what the CLI uses. */
export const NODE_SYSTEM: System = {
  write: (fd, data, offset) => writeSync(fd, data, offset),
  stream: (fd) => (fd === 1 ? process.stdout : process.stderr),
  exit: () => process.exit(process.exitCode ?? 0),
  synchronous: process.platform !== 'win32',
};

function lineWriter(fd: 1 | 2, system: System): (line: string) => void {
  let stream: ReturnType<System['stream']> | undefined;
  const openStream = () => {
    const opened = system.stream(fd);
    opened.on('error', (err) => {
      if (err.code === 'EPIPE') system.exit();
      throw err;
    });
    return opened;
  };
  return (line) => {
    const text = `${line}\n`;
    if (stream === undefined && system.synchronous) {
      // Stryker disable next-line StringLiteral: equivalent, an empty encoding means utf8
      const data = Buffer.from(text, 'utf8');
      let written = 0;
      try {
        while (written < data.length) written += system.write(fd, data, written);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') system.exit();
        if (code !== 'EAGAIN') throw err;
        stream = openStream();
        stream.write(data.subarray(written));
        return;
      }
    }
    stream ??= openStream();
    stream.write(text);
  };
}
