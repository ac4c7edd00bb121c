/** Action builders for tests: the shapes of src/remediation/actions.ts with the test account's defaults. */
import type { ActionOf } from '../../src/remediation/actions.js';
import { REGION } from './builders.js';

export const enableVersioning = (bucket: string, region = REGION): ActionOf<'EnableBucketVersioning'> => ({
  type: 'EnableBucketVersioning',
  region,
  bucket,
});

export const addLifecycleRule = (
  bucket: string,
  noncurrentDays: number,
  region = REGION,
): ActionOf<'AddBucketLifecycleRule'> => ({
  type: 'AddBucketLifecycleRule',
  region,
  bucket,
  ruleId: 'backup-sentinel-noncurrent-expiration',
  noncurrentDays,
});

export const optIn = (resourceType: string, region = REGION): ActionOf<'EnableResourceTypeOptIn'> => ({
  type: 'EnableResourceTypeOptIn',
  region,
  resourceType,
});

export const vaultNotifications = (
  over: Partial<ActionOf<'PutVaultNotifications'>> = {},
): ActionOf<'PutVaultNotifications'> => ({
  type: 'PutVaultNotifications',
  region: REGION,
  vaultName: 'backup-sentinel-gold',
  events: ['BACKUP_JOB_COMPLETED'],
  ...over,
});
