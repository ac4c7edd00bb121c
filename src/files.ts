/**
 * Reading the files a user names (policies, inventories) without trusting them: only regular
 * files and pipes, at most `maxBytes` read whatever the file claims, UTF-8 text only.
 */

import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { SentinelError } from './errors.js';

/** A file that cannot be read as text; `reason` says why ("no such file", "is a directory"). */
export class UnreadableFileError extends SentinelError {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read ${path}: ${reason}`, options);
    this.name = 'UnreadableFileError';
  }
}

const KiB = 1024;
export const MiB = 1024 * KiB;

/** "1 MiB", "256 MiB", "10.0 MiB", "512 KiB", "12 bytes". */
export function formatBytes(n: number): string {
  const unit = (size: number, name: string) =>
    `${Number.isInteger(n / size) ? n / size : (n / size).toFixed(1)} ${name}`;
  if (n >= MiB) return unit(MiB, 'MiB');
  if (n >= KiB) return unit(KiB, 'KiB');
  return `${n} bytes`;
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
};

/** Why a file system call failed, from its error code ("no such file", "failed (EIO)"). */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return ERRNO[code ?? ''] ?? (code ? `failed (${code})` : 'failed');
}

function kind(st: Stats): string | undefined {
  if (st.isFile() || st.isFIFO()) return undefined;
  if (st.isDirectory()) return 'is a directory';
  if (st.isCharacterDevice()) return 'not a regular file (a character device)';
  if (st.isBlockDevice()) return 'not a regular file (a block device)';
  if (st.isSocket()) return 'not a regular file (a socket)';
  return 'not a regular file';
}

/**
 * The text of the file at `path`, read with at most `maxBytes` + 1 bytes held in memory. A
 * leading byte-order mark is dropped. Throws UnreadableFileError with a short reason (never a
 * stack): missing, a directory or device, larger than `maxBytes`, not UTF-8, or binary.
 */
export function readTextFile(path: string, maxBytes: number): string {
  const fail = (reason: string, cause?: unknown): never => {
    throw new UnreadableFileError(path, reason, cause === undefined ? undefined : { cause });
  };
  let fd: number | undefined;
  try {
    // stat before open: opening a device or a FIFO can block or have side effects
    const before = kind(statSync(path));
    if (before) fail(before);
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    const after = kind(st);
    if (after) fail(after);
    if (st.isFile() && st.size > maxBytes)
      fail(`larger than ${formatBytes(maxBytes)} (${formatBytes(st.size)})`);
    return decode(readAtMost(fd, maxBytes + 1), maxBytes, fail);
  } catch (e) {
    if (e instanceof UnreadableFileError) throw e;
    return fail(describeFileError(e), e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads until end of file or `limit` bytes, whichever comes first (a file may grow, or lie). */
function readAtMost(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(limit - total, 4 * MiB));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, total);
}

function decode(bytes: Buffer, maxBytes: number, fail: (reason: string) => never): string {
  if (bytes.length > maxBytes) fail(`larger than ${formatBytes(maxBytes)}`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail(`not a text file (a NUL byte at offset ${nul})`);
  if (!isUtf8(bytes)) fail('not a text file (not valid UTF-8)');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}
