/**
 * What a validation concludes, and the reads it rests on. A read that fails (AccessDenied, a
 * throttle the SDK's adaptive retries did not outlast, a network error) is kept as `Unread`, never
 * taken for an answer: a check that rests on it is not made, and a verdict with a check not made
 * for that reason is "could not validate", never SUCCESSFUL.
 */
import { oneLine } from '../errors.js';

export type ValidationStatus = 'SUCCESSFUL' | 'FAILED';

export interface Verdict {
  status: ValidationStatus;
  message: string;
}

/** A read that failed: the IAM action, what it was about, the error's name (for the message). */
export interface Unread {
  action: string;
  subject: string;
  error: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; unread: Unread };

/** Errors that mean "it does not exist", not "could not read it". */
const GONE = new Set([
  'NoSuchBucket',
  'DBInstanceNotFoundFault',
  'DBInstanceNotFound',
  'DBClusterNotFoundFault',
  'DBClusterNotFound',
]);

export const GONE_VALUE = 'gone' as const;

/** The value of `fn`, 'gone' for a not-found error, or the failed read. */
export async function read<T>(
  action: string,
  subject: string,
  fn: () => Promise<T>,
): Promise<Read<T | typeof GONE_VALUE>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const err = e as Error & { Code?: string };
    const name = err.name === 'Error' ? (err.Code ?? 'Error') : (err.name ?? 'Error');
    if (GONE.has(name)) return { ok: true, value: GONE_VALUE };
    return { ok: false, unread: { action, subject, error: name } };
  }
}

/** "s3:ListBucket on arn:aws:s3:::b (AccessDenied)". */
export const unreadText = (u: Unread) => `${u.action} on ${u.subject} (${u.error})`;

/** The longest ValidationStatusMessage sent: short, one printable line. */
export const MESSAGE_MAX = 400;

export function verdict(status: ValidationStatus, message: string): Verdict {
  return { status, message: oneLine(message, MESSAGE_MAX) };
}

/** FAILED because a check could not be made (a read failed, nothing to compare): never SUCCESSFUL. */
export function couldNotValidate(unread: Unread[], detail?: string): Verdict {
  const why = [unread.map(unreadText).join(', '), detail ?? ''].filter(Boolean).join('; ');
  return verdict('FAILED', `could not validate: ${why || 'nothing could be read'}`);
}
