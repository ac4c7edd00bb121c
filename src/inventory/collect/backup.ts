/**
 * The whole AWS Backup state of a home region: plans and selections, vaults and recovery points,
 * jobs, protected resources, restore testing and region settings. List calls per region, per
 * vault and per time window, never per resource.
 */
import type { DescribeRegionSettingsOutput } from '@aws-sdk/client-backup';
import type { Aws } from '../../aws/clients.js';
import type { Collection, Input } from './calls.js';
import { type JobLists, listJobs, toJobLists } from './jobs.js';
import { collectPlans, type PlanLists } from './plans.js';
import {
  collectRestoreTesting,
  listRestoreTestingPlans,
  type RestoreTestingLists,
} from './restore-testing.js';
import { collectVaults } from './vaults.js';

export type HomeBackupLists = PlanLists & {
  backupVaults: Input<'backupVaults'>[];
  recoveryPoints: Input<'recoveryPoints'>[];
} & JobLists &
  RestoreTestingLists & { regionSettings: Input<'regionSettings'>[] };

export interface BackupReadOptions {
  region: string;
  /** Jobs and recovery points created since then. */
  since: Date;
  limit: number;
}

export async function collectBackup(aws: Aws, c: Collection, o: BackupReadOptions): Promise<HomeBackupLists> {
  const b = aws.backup(o.region);
  const plans = await collectPlans(b, c, o.limit);
  const { vaults, points } = await collectVaults(b, c, { since: o.since, limit: o.limit, full: true });
  const [jobs, rtPlans, settings] = await Promise.all([
    listJobs(b, c, o.since),
    listRestoreTestingPlans(b, c),
    c.try('*', 'backup:DescribeRegionSettings', () =>
      b.send((sdk) => new sdk.DescribeRegionSettingsCommand({})),
    ),
  ]);
  const restoreTesting = await collectRestoreTesting(b, c, rtPlans, o);
  return {
    ...plans,
    backupVaults: vaults,
    recoveryPoints: points,
    ...toJobLists(jobs, points),
    ...restoreTesting,
    regionSettings: toRegionSettings(settings, o.region),
  };
}

/** DescribeRegionSettings answer -> the region's opt-in settings (none when it could not be read). */
export function toRegionSettings(
  settings: DescribeRegionSettingsOutput | undefined,
  region: string,
): Input<'regionSettings'>[] {
  return settings?.ResourceTypeOptInPreference
    ? [{ Region: region, ResourceTypeOptInPreference: settings.ResourceTypeOptInPreference }]
    : [];
}
