'use strict';
// Preloaded (`node -r test/helpers/fs-fault.cjs …`) into a real CLI process or a writer child: counts the
// file-system calls that change something below $FS_FAULT_ROOT and acts at one of them, so tests inject
// faults at the system-call boundary whatever writer is running (today's or an older one). Bundled code
// calls `fs.renameSync` through the module object, so patching the module reaches it.
//   FS_FAULT=kill@N      SIGKILL the process right after the N-th call (a crash, a power cut)
//   FS_FAULT=ENOSPC@N    the N-th call fails with that errno code instead of running (any E… code)
//   FS_FAULT=sleep@MS    sleep MS milliseconds after every call (widens race windows)
//   FS_FAULT_MATCH=RE    count only the calls whose `<function> <arguments…>` matches this regular expression
//   FS_FAULT_TRACE=1     print every counted call on stderr
// On exit the number of calls is written to $FS_FAULT_COUNT, if set (tests size their random points).
const fs = require('node:fs');
const { resolve } = require('node:path');

// read at every call: a writer child in --serve mode (write-child.ts) sets it to each write's root
const root = () => process.env.FS_FAULT_ROOT && resolve(process.env.FS_FAULT_ROOT);
const match = /^(kill|sleep|E[A-Z]+)@(\d+)$/.exec(process.env.FS_FAULT ?? '');
const [, action, arg] = match ?? [];
const n = Number(arg);
const MATCH = process.env.FS_FAULT_MATCH ? new RegExp(process.env.FS_FAULT_MATCH) : undefined;
let count = 0;
let depth = 0;

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const below = (p) => {
  const ROOT = root();
  return ROOT !== undefined && typeof p === 'string' && (resolve(p) === ROOT || resolve(p).startsWith(`${ROOT}/`));
};

const MUTATING = ['mkdirSync', 'writeFileSync', 'renameSync', 'rmSync', 'unlinkSync', 'symlinkSync', 'openSync', 'rmdirSync'];
for (const name of MUTATING) {
  const original = fs[name];
  fs[name] = function patched(...args) {
    // a call made inside another (rmSync's rmdirSync, writeFileSync's openSync) is part of that one
    if (depth > 0) return original.apply(this, args);
    if (name === 'openSync' && !/[wa]/.test(String(args[1] ?? 'r'))) return original.apply(this, args);
    if (!args.some(below)) return original.apply(this, args);
    if (MATCH && !MATCH.test([name, ...args.filter((a) => typeof a === 'string')].join(' '))) return original.apply(this, args);
    count += 1;
    const index = count;
    if (process.env.FS_FAULT_TRACE) process.stderr.write(`${index} ${name} ${args.filter((a) => typeof a === 'string').join(' ')}\n`);
    if (action?.startsWith('E') && index === n) {
      const path = args.find(below);
      throw Object.assign(new Error(`${action}: injected, ${name} '${path}'`), { code: action, syscall: name, path });
    }
    depth += 1;
    let result;
    try {
      result = original.apply(this, args);
    } finally {
      depth -= 1;
      // right after the call, whether it worked or failed (mkdir of an existing folder)
      if (action === 'kill' && index === n) process.kill(process.pid, 'SIGKILL');
    }
    if (action === 'sleep') sleep(n);
    return result;
  };
}
if (process.env.FS_FAULT_COUNT) {
  const write = fs.writeFileSync;
  const file = process.env.FS_FAULT_COUNT;
  process.on('exit', () => write(file, String(count)));
}
