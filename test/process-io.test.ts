// lib/cli/process-io.ts: the CLI's lines go to file descriptors 1 and 2 without building process.stdout
// (issue 18's start-up); what console.log did must still hold: whole lines, in order, a closed reader
// ends the run quietly, and a descriptor that cannot take a synchronous write falls back to the stream.
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { NODE_SYSTEM, processIo, type System } from '../lib/cli/process-io';

class Exit extends Error {}

function fakeSystem(script: { write?: (fd: number, data: Uint8Array, offset: number) => number; synchronous?: boolean } = {}) {
  const log: string[] = [];
  const listeners: ((err: NodeJS.ErrnoException) => void)[] = [];
  const opened: number[] = [];
  const system: System = {
    write:
      script.write ??
      ((fd, data, offset) => {
        log.push(`fd${fd}:${Buffer.from(data.subarray(offset)).toString('utf8')}`);
        return data.length - offset;
      }),
    stream: (fd) => {
      opened.push(fd);
      return {
        write: (data: string | Uint8Array) => log.push(`stream${fd}:${typeof data === 'string' ? data : Buffer.from(data).toString('utf8')}`),
        on: (_event: 'error', listener: (err: NodeJS.ErrnoException) => void) => listeners.push(listener),
      };
    },
    exit: () => {
      throw new Exit('exit');
    },
    synchronous: script.synchronous ?? true,
  };
  return { system, log, listeners, opened };
}

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('processIo', () => {
  it('writes each line with its newline to fd 1 (out) and fd 2 (err), in order, and opens no stream', () => {
    const { system, log, opened } = fakeSystem();
    const io = processIo(system);
    io.out('example: 48 objects');
    io.err('warning: x');
    io.out('é ≥ 0.17');
    expect(log).toEqual(['fd1:example: 48 objects\n', 'fd2:warning: x\n', 'fd1:é ≥ 0.17\n']);
    expect(opened).toEqual([]);
  });

  it('finishes a line the descriptor took only in part (short writes)', () => {
    const chunks: string[] = [];
    const { system } = fakeSystem({
      write: (_fd, data, offset) => {
        const n = Math.min(3, data.length - offset);
        chunks.push(Buffer.from(data.subarray(offset, offset + n)).toString('utf8'));
        return n;
      },
    });
    processIo(system).out('abcdefgh');
    expect(chunks).toEqual(['abc', 'def', 'gh\n']);
  });

  it('a non-blocking descriptor (EAGAIN) hands the rest of the line and every later line to the stream', () => {
    let calls = 0;
    const { system, log, opened } = fakeSystem({
      write: () => {
        calls += 1;
        if (calls === 1) return 4; // "firs" taken, then the descriptor is full
        throw errno('EAGAIN');
      },
    });
    const io = processIo(system);
    io.out('first line');
    io.out('second line');
    expect(log).toEqual(['stream1:t line\n', 'stream1:second line\n']);
    expect(opened).toEqual([1]);
    expect(calls).toBe(2); // no synchronous write after the fallback: the stream keeps the order
  });

  it('a closed reader (EPIPE) ends the process, from the write and from the stream', () => {
    const { system, listeners } = fakeSystem({
      write: () => {
        throw errno('EPIPE');
      },
    });
    expect(() => processIo(system).out('x')).toThrow(Exit);
    const fallback = fakeSystem({ synchronous: false });
    processIo(fallback.system).out('x');
    expect(() => fallback.listeners[0](errno('EPIPE'))).toThrow(Exit);
    expect(() => fallback.listeners[0](errno('EIO'))).toThrow('EIO');
    expect(listeners).toEqual([]);
  });

  it('any other write error is not swallowed', () => {
    const { system } = fakeSystem({
      write: () => {
        throw errno('EIO');
      },
    });
    expect(() => processIo(system).err('x')).toThrow('EIO');
  });

  it('where writes are not synchronous (Windows) every line goes through the stream', () => {
    const { system, log, opened } = fakeSystem({ synchronous: false });
    const io = processIo(system);
    io.out('a');
    io.out('b');
    io.err('c');
    expect(log).toEqual(['stream1:a\n', 'stream1:b\n', 'stream2:c\n']);
    expect(opened).toEqual([1, 2]);
  });
});

describe("NODE_SYSTEM: this process's own descriptors, streams and exit", () => {
  it('write: fs.writeSync from the offset, returning the bytes written', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ehc-process-io-')), 'out');
    const fd = openSync(file, 'w');
    try {
      expect(NODE_SYSTEM.write(fd, Buffer.from('skip:kept\n'), 5)).toBe(5);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('kept\n');
  });

  it('stream: process.stdout for 1, process.stderr for 2', () => {
    expect(NODE_SYSTEM.stream(1)).toBe(process.stdout);
    expect(NODE_SYSTEM.stream(2)).toBe(process.stderr);
  });

  it('exit: process.exit with the exit code so far, 0 when none is set', () => {
    const codes: unknown[] = [];
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: unknown) => codes.push(code)) as never);
    const before = process.exitCode;
    try {
      process.exitCode = undefined;
      NODE_SYSTEM.exit();
      process.exitCode = 3;
      NODE_SYSTEM.exit();
    } finally {
      process.exitCode = before;
      exit.mockRestore();
    }
    expect(codes).toEqual([0, 3]);
  });

  it('synchronous everywhere but Windows (where Node writes pipes asynchronously)', () => {
    expect(NODE_SYSTEM.synchronous).toBe(process.platform !== 'win32');
    expect(process.platform).toBe('linux');
    expect(NODE_SYSTEM.synchronous).toBe(true);
  });
});
