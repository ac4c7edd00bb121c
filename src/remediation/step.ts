/**
 * What a handler returns, and the machinery it uses against concurrent writers: the guard of a
 * whole-document write, the create that another run may have made first, and the request token
 * of a create. Moved unchanged from execute.ts, which imports the handlers: here, the handlers
 * and the executor share them without importing each other.
 */
import { createHash } from 'node:crypto';
import type { Aws } from '../aws/clients.js';
import type { Action, ActionOf, ActionType } from './actions.js';
import type { BackupRoleSettings } from './backup-roles.js';

/**
 * What a handler needs besides the action: the run's settings (ExecuteOptions). The roles AWS
 * Backup assumes for selections and restore tests (iam:PassRole): see backup-roles.ts.
 */
export interface HandlerContext extends BackupRoleSettings {
  /** Change only backup plans tagged managed-by=backup-sentinel (see ExecuteOptions). */
  ownedPlansOnly?: boolean;
}

/**
 * Re-reads the state an action changes and returns the step: what it found, what it would make,
 * and the write (none when the state already satisfies the action).
 */
export type Handler<A extends Action> = (aws: Aws, action: A, context: HandlerContext) => Promise<Step>;

/** One handler per action type: handlers/index.ts is one, so a type without a handler does not compile. */
export type Handlers = { [T in ActionType]: Handler<ActionOf<T>> };

export interface Step {
  before: unknown;
  after: unknown;
  /** Absent when nothing needs to change. A create resolves to MADE_BY_ANOTHER_RUN when it was beaten to it. */
  write?: () => Promise<unknown>;
  /** Set when the change is not made for safety: nothing is written. */
  refused?: string;
  /** Set when `write` replaces a whole document. */
  guard?: Guard;
}

/**
 * The tag backup-sentinel creates plans, vaults and restore testing plans with; the functions'
 * roles may change only plans that carry it (resources/iam.ts).
 */
export const OWNER_TAG = { key: 'managed-by', value: 'backup-sentinel' } as const;
export const OWNER_TAGS = { [OWNER_TAG.key]: OWNER_TAG.value };

export const refuse = (before: unknown, reason: string): Step => ({ before, after: before, refused: reason });

/**
 * A whole document that a write replaces (S3 lifecycle configuration, backup plan, vault access
 * policy, vault notifications): the executor reads it again just before writing and computes the
 * step again when it changed, and reads it after writing to check that it still holds every part
 * of what was written: the owner's rules, statements and events, and ours.
 * AWS offers no conditional write for these calls (no ETag or version precondition on
 * PutBucketLifecycleConfiguration, UpdateBackupPlan, PutBackupVaultAccessPolicy or
 * PutBackupVaultNotifications). Left open: an edit landing between that last read and our write
 * (one round trip) is overwritten, and the check after the write cannot see it.
 */
export interface Guard {
  /** Reads the document again: does it differ from the one the step was computed from? */
  changed: () => Promise<boolean>;
  /** Reads the document after the write: the parts of what was written it no longer holds. */
  lost: () => Promise<string[]>;
}

/** JSON with object keys sorted: equal for equal documents whatever the key order. */
export function fingerprint(doc: unknown): string {
  return JSON.stringify(doc, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * The guard of a write of `written` over the document `read` returns, computed from `seen`.
 * `parts` names what a document holds (a rule, a statement, an event).
 */
export function guard<T>(read: () => Promise<T>, seen: T, written: T, parts: (doc: T) => string[]): Guard {
  const was = fingerprint(seen);
  return {
    changed: async () => fingerprint(await read()) !== was,
    lost: async () => {
      const now = new Set(parts(await read()));
      return parts(written).filter((p) => !now.has(p));
    },
  };
}

/** What a create resolves to when another run made the resource first. */
export const MADE_BY_ANOTHER_RUN = Symbol('made by another run');

/**
 * Errors AWS Backup may answer a create with when the resource is already there:
 * AlreadyExistsException (documented for each create), ConflictException (CreateRestoreTestingPlan,
 * while another request is still being performed) and InvalidRequestException. None is taken at
 * its word: the resource counts as made by another run only when reading it again finds it.
 */
const EXISTS_ERRORS = new Set(['AlreadyExistsException', 'ConflictException', 'InvalidRequestException']);

export async function createOnce(
  create: () => Promise<unknown>,
  exists: () => Promise<unknown>,
): Promise<unknown> {
  try {
    return await create();
  } catch (e) {
    if (EXISTS_ERRORS.has(errorName(e)) && (await exists().catch(() => false))) return MADE_BY_ANOTHER_RUN;
    throw e;
  }
}

/**
 * The CreatorRequestId of a create, derived from what names the resource (its kind, region and
 * name) and the UTC day: the same for every run making it that day, whatever started the run.
 * AWS Backup lets a request carrying one be repeated "without the risk of running the operation
 * twice", and CreateBackupPlan returns the existing plan when the token matches one: that matters
 * most there, as plans may share a name, so two runs would otherwise make two plans. AWS documents
 * no lifetime for the token; the day in it keeps a re-creation on a later day, after someone
 * deleted the resource, from being answered with the old one. Left open: two runs either side of
 * midnight UTC send different tokens. Tokens are 1-50 characters of [A-Za-z0-9-_.]: a hash.
 */
export function creatorRequestId(...parts: string[]): string {
  const day = new Date().toISOString().slice(0, 10);
  const hash = createHash('sha256')
    .update([...parts, day].join('\n'))
    .digest('hex');
  return `backup-sentinel-${hash.slice(0, 32)}`;
}

export const errorName = (e: unknown) => (e as Error).name;

/** For `.catch`: a resource AWS Backup does not find reads as undefined. */
export function absent(e: unknown): undefined {
  if (errorName(e) === 'ResourceNotFoundException') return undefined;
  throw e;
}
