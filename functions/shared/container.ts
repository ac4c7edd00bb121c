/**
 * What every handler shares: one logger, the bundled policies, one set of AWS clients, and one
 * cache of AWS Backup state per Lambda container (the event paths reuse it between events).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { settingsFrom } from '../../src/app/settings.js';
import { Aws } from '../../src/aws/clients.js';
import { BackupStateCache } from '../../src/inventory/collect/cache.js';
import type { PolicySet } from '../../src/policy/index.js';

/** The policy file, validated and parsed at build time and inlined by the bundler (serverless.ts `define`). */
declare const __BACKUP_SENTINEL_POLICY_SET__: PolicySet;

export const logger = new Logger({ serviceName: 'backup-sentinel' });
export const metrics = new Metrics({ namespace: 'BackupSentinel', serviceName: 'backup-sentinel' });
export const policies: PolicySet = __BACKUP_SENTINEL_POLICY_SET__;
export const settings = settingsFrom(process.env);
export const aws = new Aws();
export const backupState = new BackupStateCache();
