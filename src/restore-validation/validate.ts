/**
 * validateRestore: a restore test's restored resource checked against its source, and the answer
 * given to AWS Backup (PutRestoreValidationResult), so that `restore.validated` can be COMPLIANT.
 *
 * Read failures. Until DescribeRestoreJob has shown that the job is a restore test awaiting
 * validation, the function is not sure the job is its to answer: a failed DescribeRestoreJob is
 * rethrown (the invocation fails; Lambda retries the asynchronous event, then hands it to the
 * failed-events queue). Once it is sure, a check that cannot be made — a read denied, throttled
 * beyond the SDK's adaptive retries, or nothing to compare with — is answered FAILED with
 * "could not validate: <what was not read>", never SUCCESSFUL and never left unanswered: AWS Backup
 * deletes the restored resource when the validation window closes, so a retry later has nothing
 * left to read, and an answer names the missing permission where people look (the AWS Backup
 * console, `restore.validated`, the restore alerts). A failed PutRestoreValidationResult is
 * rethrown: the retried invocation reads the job again and answers it, once.
 */
import type { RemediationMode } from '../app/settings.js';
import type { Aws } from '../aws/clients.js';
import { type Ignored, ignored, restoreJobOf, subjectOf } from './job.js';
import { type Settle, validateDatabase } from './rds.js';
import { validateBucket } from './s3.js';
import type { ValidationStatus } from './verdict.js';

export interface ValidatorOptions {
  /** on: answer; dry-run: judge and log, answer nothing; off: do nothing at all. */
  mode: RemediationMode;
  /** The function's Region (when the event names none). */
  region: string;
  /** Keys listed per bucket at most (default 1000). */
  maxKeys?: number;
  /** How long a restored database still settling (modifying, ...) is waited for. */
  settle?: Partial<Settle>;
}

export type ValidationOutcome =
  | Ignored
  | {
      kind: 'validated';
      restoreJobId: string;
      resourceArn: string;
      status: ValidationStatus;
      message: string;
      /** false in dry-run: the verdict was not sent. */
      sent: boolean;
    };

const DEFAULT_SETTLE: Settle = {
  tries: 5,
  delayMs: 15_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function validateRestore(
  aws: Aws,
  event: unknown,
  o: ValidatorOptions,
): Promise<ValidationOutcome> {
  const target = restoreJobOf(event, o.region);
  if (target.kind === 'ignored') return target;
  if (o.mode === 'off')
    return ignored('restore validation is off (restoreValidation=off)', target.restoreJobId);
  const backup = aws.backup(target.region);
  // Not yet known to be ours: a failure here is rethrown, never answered.
  const job = await backup.send(
    (sdk) => new sdk.DescribeRestoreJobCommand({ RestoreJobId: target.restoreJobId }),
  );
  const subject = subjectOf(job);
  if (subject.kind === 'ignored') return { ...subject, restoreJobId: target.restoreJobId };
  const judged =
    subject.kind === 'bucket'
      ? await validateBucket(aws, job, subject, {
          region: target.region,
          ...(o.maxKeys ? { maxKeys: o.maxKeys } : {}),
        })
      : await validateDatabase(aws, job, subject, { ...DEFAULT_SETTLE, ...o.settle });
  if ('kind' in judged) return { ...judged, restoreJobId: target.restoreJobId };
  const outcome = {
    kind: 'validated' as const,
    restoreJobId: target.restoreJobId,
    resourceArn: subject.restored.arn,
    status: judged.status,
    message: judged.message,
    sent: false,
  };
  if (o.mode === 'dry-run') return outcome;
  await backup.send(
    (sdk) =>
      new sdk.PutRestoreValidationResultCommand({
        RestoreJobId: target.restoreJobId,
        ValidationStatus: judged.status,
        ValidationStatusMessage: judged.message,
      }),
  );
  return { ...outcome, sent: true };
}
