import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputFile } from './render';

export interface WriteOptions {
  /** Called after each file is written into the staging directory (progress, fault-injection tests). */
  readonly onFileWritten?: (path: string) => void;
}

const STAGING_PREFIX = (site: string) => `.${site}.staging-`;
const PREVIOUS_PREFIX = (site: string) => `.${site}.previous-`;

/**
 * Finishes or undoes an interrupted earlier write: if the site folder is missing but a previous copy
 * survived the swap window, it is put back; leftover staging and previous folders are removed.
 */
function recover(outRoot: string, site: string): void {
  if (!existsSync(outRoot)) return;
  const target = join(outRoot, site);
  const leftovers = readdirSync(outRoot).filter((n) => n.startsWith(STAGING_PREFIX(site)) || n.startsWith(PREVIOUS_PREFIX(site)));
  const previous = leftovers.filter((n) => n.startsWith(PREVIOUS_PREFIX(site))).sort();
  if (!existsSync(target) && previous.length > 0) renameSync(join(outRoot, previous[previous.length - 1]), target);
  for (const name of leftovers) rmSync(join(outRoot, name), { recursive: true, force: true });
}

/**
 * Writes a site's files to `<outRoot>/<site>/` all or nothing: everything goes into a staging folder
 * next to the target first and is swapped in with two renames, so an error or a crash never leaves a
 * half-written or emptied folder, and files of charts that no longer exist disappear.
 */
export function writeSiteFiles(outRoot: string, site: string, files: readonly OutputFile[], options: WriteOptions = {}): void {
  mkdirSync(outRoot, { recursive: true });
  recover(outRoot, site);
  // Not mkdtemp: its folder is private (0700) and would become dist/<site> with that mode, locking out
  // the other users and tools that read a GitOps checkout. mkdir applies the usual umask.
  const staging = join(outRoot, `${STAGING_PREFIX(site)}${randomBytes(6).toString('hex')}`);
  mkdirSync(staging);
  try {
    for (const file of files) {
      const path = join(staging, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      options.onFileWritten?.(file.path);
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const target = join(outRoot, site);
  if (existsSync(target)) {
    const previous = `${staging.replace(STAGING_PREFIX(site), PREVIOUS_PREFIX(site))}`;
    renameSync(target, previous);
    renameSync(staging, target);
    rmSync(previous, { recursive: true, force: true });
  } else {
    renameSync(staging, target);
  }
}
