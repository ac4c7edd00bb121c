/** AWS Backup jobs of a region in the window (backup, copy, restore), and its protected resources. */
import type {
  BackupJob,
  CopyJob,
  ListBackupJobsOutput,
  ListCopyJobsOutput,
  ListProtectedResourcesOutput,
  ListRestoreJobsOutput,
  ProtectedResource,
  RestoreJobsListMember,
} from '@aws-sdk/client-backup';
import type { BackupApi } from '../../aws/clients.js';
import { all, type Collection, type Input, withIsoDates } from './calls.js';

export interface JobLists {
  backupJobs: Input<'backupJobs'>[];
  copyJobs: Input<'copyJobs'>[];
  restoreJobs: Input<'restoreJobs'>[];
  protectedResources: Input<'protectedResources'>[];
}

/** The list pages (undefined: the listing failed). */
export interface JobPages {
  backupJobs: ListBackupJobsOutput[] | undefined;
  copyJobs: ListCopyJobsOutput[] | undefined;
  restoreJobs: ListRestoreJobsOutput[] | undefined;
  protectedResources: ListProtectedResourcesOutput[] | undefined;
}

/** One list call per page for each: jobs created since `since`, every protected resource. */
export async function listJobs(b: BackupApi, c: Collection, since: Date): Promise<JobPages> {
  const list = <T>(action: string, pages: () => AsyncIterable<T>) => c.try('*', action, () => all(pages()));
  const [backupJobs, copyJobs, restoreJobs, protectedResources] = await Promise.all([
    list('backup:ListBackupJobs', () =>
      b.pages((sdk, client) => sdk.paginateListBackupJobs({ client }, { ByCreatedAfter: since })),
    ),
    list('backup:ListCopyJobs', () =>
      b.pages((sdk, client) => sdk.paginateListCopyJobs({ client }, { ByCreatedAfter: since })),
    ),
    list('backup:ListRestoreJobs', () =>
      b.pages((sdk, client) => sdk.paginateListRestoreJobs({ client }, { ByCreatedAfter: since })),
    ),
    list('backup:ListProtectedResources', () =>
      b.pages((sdk, client) => sdk.paginateListProtectedResources({ client }, {})),
    ),
  ]);
  return { backupJobs, copyJobs, restoreJobs, protectedResources };
}

/**
 * The listed jobs -> inventory lists. `points` are the region's recovery points: a restore job
 * names only its recovery point, they say which resource it restored.
 */
export function toJobLists(pages: JobPages, points: Input<'recoveryPoints'>[]): JobLists {
  const rpByArn = new Map(points.map((p) => [p.RecoveryPointArn, p.ResourceArn]));
  return {
    backupJobs: (pages.backupJobs ?? []).flatMap((p) => p.BackupJobs ?? []).map(toBackupJob),
    copyJobs: (pages.copyJobs ?? []).flatMap((p) => p.CopyJobs ?? []).map(toCopyJob),
    restoreJobs: (pages.restoreJobs ?? [])
      .flatMap((p) => p.RestoreJobs ?? [])
      .map((j) => toRestoreJob(j, rpByArn.get(j.RecoveryPointArn ?? ''))),
    protectedResources: (pages.protectedResources ?? [])
      .flatMap((p) => p.Results ?? [])
      .map(toProtectedResource),
  };
}

export const toBackupJob = (j: BackupJob) => withIsoDates(j) as Input<'backupJobs'>;

export const toCopyJob = (j: CopyJob) => withIsoDates(j) as Input<'copyJobs'>;

/** A restore job, with the resource its recovery point is of (when that point was listed). */
export function toRestoreJob(j: RestoreJobsListMember, source: string | undefined): Input<'restoreJobs'> {
  const job = withIsoDates(j) as Input<'restoreJobs'>;
  return { ...job, Status: j.Status ?? '', ...(source ? { SourceResourceArn: source } : {}) };
}

export const toProtectedResource = (r: ProtectedResource) => withIsoDates(r) as Input<'protectedResources'>;
