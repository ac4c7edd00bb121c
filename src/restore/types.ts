/**
 * What a guided restore plans and records (`backup-sentinel restore rds|s3`): an ordered list of
 * named AWS calls with their inputs, and, once run, each one's start, end, duration and outcome.
 * The record is the measured RTO, and what `--resume` continues from. No secret is ever part of
 * it: a snapshot restore needs no password, and the inputs are built here, never copied from a
 * response that could hold one.
 */

export type StepKind = 'write' | 'wait' | 'verify';
export type StepStatus = 'planned' | 'done' | 'failed';

export interface PlannedStep {
  /** Unique in the plan; the executor finds the step's handler by it. */
  name: string;
  /** "service:Operation" (the IAM action), e.g. rds:RestoreDBInstanceFromDBSnapshot. */
  call: string;
  kind: StepKind;
  /** What is sent (a write), or what is waited for / verified. */
  input: Record<string, unknown>;
  /** One line for the dry run. */
  summary: string;
}

export interface StepRecord extends PlannedStep {
  status: StepStatus;
  /** ISO times and milliseconds of the last attempt. */
  start?: string;
  end?: string;
  durationMs?: number;
  /** What happened: "restored", "already renamed (found …)", the error. */
  detail?: string;
  /** Ids learnt by the step that later steps need (RestoreJobId, DbiResourceId); never a secret. */
  result?: Record<string, string>;
}

export type RecordStatus = 'planned' | 'refused' | 'interrupted' | 'failed' | 'done';

export const RECORD_FORMAT = 'backup-sentinel-restore/1';

/** Where the restore runs: the account (through `roleArn` when another one) and region. */
export interface Where {
  region: string;
  account?: string;
  /** Role assumed for every call (restoring from the DR account's copy). */
  roleArn?: string;
}

export interface RestoreRecord<C = Record<string, unknown>> {
  format: typeof RECORD_FORMAT;
  kind: 'rds' | 's3';
  /** Identifies this restore (tags the restored database, idempotency tokens). */
  runId: string;
  createdAt: string;
  where: Where;
  /** What the handlers need besides each step's input (identifiers, what is expected). */
  context: C;
  problems: string[];
  warnings: string[];
  steps: StepRecord[];
  applied: boolean;
  status: RecordStatus;
  updatedAt: string;
  /** First step's start to last step's end, once every step is done: the measured RTO. */
  rtoSeconds?: number;
}

/** A plan: no step when a preflight problem was found. */
export interface Plan<C> {
  problems: string[];
  warnings: string[];
  steps: PlannedStep[];
  context: C;
}

/** RDS identifier rules (CreateDBInstance): 1-63 letters, digits or hyphens, a letter first, no trailing or double hyphen. */
export function rdsIdentifierProblem(id: string, what: string): string | undefined {
  if (/^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/.test(id) && !id.endsWith('-') && id.length <= 63) return undefined;
  const shown = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
  return `${what} ${shown} is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row`;
}

/** 2026-11-25T06:00:00Z → 20261125-0600 (UTC), for identifiers. */
export function stamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 16).replace(':', '')}`;
}
