/** RDS: retention raised, deletion protection and tag copying turned on; never ApplyImmediately. */
import type { ActionOf, DbChanges } from '../actions.js';
import type { Handler, Handlers } from '../step.js';

const modifyDb: Handler<ActionOf<'ModifyDBInstance' | 'ModifyDBCluster'>> = async (aws, a) => {
  const rds = aws.rds(a.region);
  const current =
    a.type === 'ModifyDBInstance'
      ? (await rds.send((sdk) => new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: a.identifier })))
          .DBInstances?.[0]
      : (await rds.send((sdk) => new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: a.identifier })))
          .DBClusters?.[0];
  if (!current) throw new Error(`${a.identifier} not found`);
  const before = {
    BackupRetentionPeriod: current.BackupRetentionPeriod,
    DeletionProtection: current.DeletionProtection,
    CopyTagsToSnapshot: current.CopyTagsToSnapshot,
  };
  // Only raise and enable: a value already at or above the target is left as it is.
  const changes: DbChanges = {};
  const want = a.changes;
  // A retention change waiting for the maintenance window counts as done (no second Modify).
  const retention = Math.max(
    current.BackupRetentionPeriod ?? 0,
    current.PendingModifiedValues?.BackupRetentionPeriod ?? 0,
  );
  if (want.BackupRetentionPeriod !== undefined && retention < want.BackupRetentionPeriod) {
    changes.BackupRetentionPeriod = want.BackupRetentionPeriod;
  }
  if (want.DeletionProtection && !current.DeletionProtection) changes.DeletionProtection = true;
  if (want.CopyTagsToSnapshot && !current.CopyTagsToSnapshot) changes.CopyTagsToSnapshot = true;
  if (Object.keys(changes).length === 0) return { before, after: before };
  // Never ApplyImmediately, whatever `applyAt` says (it says when RDS applies what is sent): it
  // would also apply whatever else the owner queued for the maintenance window (instance class,
  // engine upgrade). Deletion protection and tag copying take effect at once anyway; retention
  // N->M applies asynchronously; 0->N waits for the window (it causes an outage).
  const applyImmediately = false;
  return {
    before,
    after: { ...before, ...changes },
    write: () =>
      a.type === 'ModifyDBInstance'
        ? rds.send(
            (sdk) =>
              new sdk.ModifyDBInstanceCommand({
                DBInstanceIdentifier: a.identifier,
                ...changes,
                ApplyImmediately: applyImmediately,
              }),
          )
        : rds.send(
            (sdk) =>
              new sdk.ModifyDBClusterCommand({
                DBClusterIdentifier: a.identifier,
                ...changes,
                ApplyImmediately: applyImmediately,
              }),
          ),
  };
};

export const rdsHandlers = {
  ModifyDBInstance: modifyDb,
  ModifyDBCluster: modifyDb,
} satisfies Partial<Handlers>;
