/** RDS: automated backups, deletion protection, tags on snapshots, encryption with a CMK. */
import type { DbCluster, DbInstance, Resource } from '../../inventory/schema.js';
import type { Action, ApplyAt, DbChanges } from '../../remediation/actions.js';
import {
  cannotEvaluate,
  compliant,
  defineRule,
  nonCompliant,
  notApplicable,
  type Outcome,
  type Rule,
} from '../types.js';

const TYPES: ('AWS::RDS::DBInstance' | 'AWS::RDS::DBCluster')[] = [
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
];
const COLLECT = ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'];
/** Narrows a resource to a database (the registry only runs these rules on databases). */
function asDb(r: Resource): DbInstance | DbCluster {
  if (r.Type === 'AWS::S3::Bucket') throw new Error(`${r.Arn} is not a database`);
  return r;
}

/**
 * Changing backup retention from 0 to a positive value causes an outage
 * (USER_WorkingWithAutomatedBackups.BackupRetention), so that change waits for the maintenance window.
 */
function modify(db: DbInstance | DbCluster, changes: DbChanges): Action {
  const applyAt: ApplyAt =
    changes.BackupRetentionPeriod !== undefined && db.BackupRetentionPeriod === 0
      ? 'next-maintenance-window'
      : 'now';
  return db.Type === 'AWS::RDS::DBInstance'
    ? {
        type: 'ModifyDBInstance',
        region: db.Region,
        identifier: db.DBInstanceIdentifier,
        changes,
        applyAt,
      }
    : {
        type: 'ModifyDBCluster',
        region: db.Region,
        identifier: db.DBClusterIdentifier,
        changes,
        applyAt,
      };
}

/** RDS does not support automated backups on PostgreSQL read replicas (USER_ReadRepl). */
export function isPostgresReadReplica(db: DbInstance | DbCluster): boolean {
  return (
    db.Type === 'AWS::RDS::DBInstance' &&
    typeof db.ReadReplicaSourceDBInstanceIdentifier === 'string' &&
    db.ReadReplicaSourceDBInstanceIdentifier !== '' &&
    db.Engine.toLowerCase() === 'postgres'
  );
}

export const backupRetention = defineRule<'resource'>({
  id: 'rds.backup-retention',
  title: 'Automated backup retention is at least the policy minimum',
  area: 'rds',
  severity: 'high',
  subject: 'resource',
  resourceTypes: TYPES,
  permissions: { collect: COLLECT },
  proposes: ['ModifyDBInstance', 'ModifyDBCluster'],
  example:
    'rds.minRetentionDays 7, BackupRetentionPeriod 1 -> NON_COMPLIANT + ModifyDBInstance BackupRetentionPeriod=7',
  evaluate({ resource, policy }) {
    const db = asDb(resource);
    const want = policy.rds.minRetentionDays;
    if (isPostgresReadReplica(db))
      return notApplicable(
        `read replica of ${String(db.ReadReplicaSourceDBInstanceIdentifier)}: RDS for PostgreSQL read replicas have no automated backups (back up the source instance)`,
      );
    if (db.BackupRetentionPeriod >= want)
      return compliant(`keeps automated backups ${db.BackupRetentionPeriod} days`);
    return nonCompliant(
      db.BackupRetentionPeriod === 0
        ? 'automated backups are disabled (retention 0): no point-in-time restore'
        : `automated backups kept ${db.BackupRetentionPeriod} day${db.BackupRetentionPeriod === 1 ? '' : 's'}; policy needs ${want}`,
      {
        expected: `>= ${want}`,
        actual: String(db.BackupRetentionPeriod),
        actions: [modify(db, { BackupRetentionPeriod: want })],
      },
    );
  },
});

function flag(
  id: string,
  title: string,
  field: 'DeletionProtection' | 'CopyTagsToSnapshot',
  want: (p: { rds: { deletionProtection: boolean; copyTagsToSnapshot: boolean } }) => boolean,
  why: string,
): Rule<'resource'> {
  return defineRule<'resource'>({
    id,
    title,
    area: 'rds',
    severity: field === 'DeletionProtection' ? 'high' : 'low',
    subject: 'resource',
    resourceTypes: TYPES,
    permissions: { collect: COLLECT },
    proposes: ['ModifyDBInstance', 'ModifyDBCluster'],
    example: `${field} false -> NON_COMPLIANT + Modify ${field}=true`,
    evaluate({ resource, policy }): Outcome {
      if (!want(policy)) return notApplicable(`policy ${policy.name} does not ask for ${field}`);
      const db = asDb(resource);
      if (db[field]) return compliant(`${field} is on`);
      return nonCompliant(`${field} is off: ${why}`, {
        expected: 'true',
        actual: 'false',
        actions: [modify(db, { [field]: true })],
      });
    },
  });
}

export const deletionProtection = flag(
  'rds.deletion-protection',
  'Deletion protection is on',
  'DeletionProtection',
  (p) => p.rds.deletionProtection,
  'one API call deletes the database',
);

export const copyTagsToSnapshot = flag(
  'rds.copy-tags-to-snapshot',
  'Snapshots inherit the database tags',
  'CopyTagsToSnapshot',
  (p) => p.rds.copyTagsToSnapshot,
  'snapshots lose the tags that say whose and what they are',
);

export const encryption = defineRule<'resource'>({
  id: 'rds.encryption',
  title: 'Storage is encrypted with a customer-managed KMS key',
  area: 'rds',
  severity: 'high',
  subject: 'resource',
  resourceTypes: TYPES,
  permissions: { collect: [...COLLECT, 'kms:DescribeKey'] },
  proposes: [],
  example:
    'encryption.customerManagedKey true, StorageEncrypted false -> NON_COMPLIANT (needs a re-encrypted restore)',
  evaluate({ resource, policy }, { index }) {
    if (!policy.encryption.customerManagedKey)
      return notApplicable(`policy ${policy.name} does not ask for a customer-managed key`);
    const db = asDb(resource);
    if (!db.StorageEncrypted)
      return nonCompliant('storage is not encrypted', {
        expected: 'encrypted with a CMK',
        actual: 'unencrypted',
      });
    const manager = index.keyManager(db.KmsKeyId);
    if (manager === undefined) return cannotEvaluate(`KMS key ${db.KmsKeyId ?? '(none)'} was not collected`);
    if (manager === 'CUSTOMER') return compliant(`encrypted with customer-managed key ${db.KmsKeyId}`);
    if (policy.copies.some((c) => c.account !== undefined)) {
      return notApplicable(
        'AWS-managed key: reported by copies.rds-cmk, since it also breaks the cross-account copies',
      );
    }
    return nonCompliant('encrypted with the AWS managed key aws/rds', {
      expected: 'customer-managed key',
      actual: 'aws/rds',
    });
  },
});

export const rdsRules = [backupRetention, deletionProtection, copyTagsToSnapshot, encryption];
