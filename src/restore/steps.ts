/**
 * What the restore executor's step handlers share (src/restore/run.ts, run-aurora.ts): the run's
 * options and environment, the failure a handler throws with its message, and the bounded poll.
 */
import type { StartRestoreJobCommand } from '@aws-sdk/client-backup';
import type { Aws } from '../aws/clients.js';
import type { RestoreRecord, StepRecord } from './types.js';

export interface RunOptions {
  /** The clients of the account and region the restore runs in (already assumed into it). */
  aws: Aws;
  region: string;
  /** Called after every change of the record (the CLI writes it to the record file). */
  save: (record: RestoreRecord) => void;
  onProgress?: (message: string) => void;
  now?: () => Date;
  /** Polling backoff bounds (tests shorten them). */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** Stop (as if interrupted) after this many steps run in this invocation. */
  stepBudget?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class StepFailure extends Error {}

export interface Env {
  o: RunOptions;
  record: RestoreRecord;
  progress: (m: string) => void;
  deadline: number;
}

export type Handler = {
  run: (env: Env, step: StepRecord) => Promise<{ detail: string; result?: Record<string, string> }>;
  /** For a done step on resume: why it no longer holds, or undefined. */
  holds?: (env: Env, step: StepRecord) => Promise<string | undefined>;
};

/** Polls `probe` (undefined: not yet) with a doubling delay between the bounds, until the deadline. */
export async function poll<T>(env: Env, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const sleep = env.o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const min = env.o.pollMinMs ?? 5_000;
  const max = env.o.pollMaxMs ?? 60_000;
  let delay = min;
  const started = Date.now();
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() + delay > env.deadline)
      throw new StepFailure(
        `timed out after ${Math.round((Date.now() - started) / 1000)}s waiting for ${what} (--timeout ${env.record.context.timeoutMinutes} minutes); the AWS operation goes on: --resume the record to wait again`,
      );
    await sleep(delay);
    delay = Math.min(max, delay * 2);
  }
}

/** The step that starts an AWS Backup restore job with the step's input (RDS, Aurora and S3 alike). */
export async function startRestoreJob(env: Env, step: StepRecord) {
  const out = await env.o.aws
    .backup(env.o.region)
    .send(
      (sdk) =>
        new sdk.StartRestoreJobCommand(
          step.input as unknown as ConstructorParameters<typeof StartRestoreJobCommand>[0],
        ),
    );
  return {
    detail: `restore job ${out.RestoreJobId} started`,
    result: { RestoreJobId: out.RestoreJobId ?? '' },
  };
}
