/**
 * The reads an Aurora restore plan is made from (planAurora is pure): the original cluster and
 * each of its members, the recovery point (given, or the newest completed one of the cluster, with
 * its vault) and its cluster snapshot or restore metadata, and whether the names the plan needs
 * are free. Reads only.
 */
import type { DBClusterSnapshot, DBInstance } from '@aws-sdk/client-rds';
import type { Aws } from '../aws/clients.js';
import { errorText } from '../errors.js';
import { parseArn } from '../inventory/arn.js';
import { absent, describeCluster, describeInstance } from './describe.js';
import { type AuroraContext, type AuroraOptions, type AuroraPoint, planAurora } from './plan-aurora.js';
import { pointToRestore } from './read.js';
import type { Plan, Where } from './types.js';

/** A cluster snapshot by name in this account (AWS Backup's are SnapshotType awsbackup), else by ARN among those shared with it. */
async function clusterSnapshot(
  aws: Aws,
  region: string,
  arn: string,
  name: string,
): Promise<DBClusterSnapshot | undefined> {
  const rds = aws.rds(region);
  const own = await rds
    .send(
      (sdk) =>
        new sdk.DescribeDBClusterSnapshotsCommand({
          DBClusterSnapshotIdentifier: name,
          ...(name.startsWith('awsbackup:') ? { SnapshotType: 'awsbackup' } : {}),
        }),
    )
    .then(
      (x) => x.DBClusterSnapshots?.find((s) => !s.DBClusterSnapshotArn || s.DBClusterSnapshotArn === arn),
      absent,
    );
  if (own) return own;
  return rds
    .send(
      (sdk) =>
        new sdk.DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: arn, IncludeShared: true }),
    )
    .then((x) => x.DBClusterSnapshots?.[0], absent);
}

export interface AuroraRequest extends AuroraOptions {
  clusterId: string;
  where: Where;
  recoveryPointArn?: string;
  time?: Date;
  vault?: string;
  now: Date;
}

export async function readAndPlanAurora(aws: Aws, r: AuroraRequest): Promise<Plan<AuroraContext>> {
  const region = r.where.region;
  const extra: string[] = [];
  const original = await describeCluster(aws.rds(region), r.clusterId);
  if (!original) {
    const asInstance = await describeInstance(aws.rds(region), r.clusterId);
    if (asInstance)
      extra.push(
        asInstance.DBClusterIdentifier
          ? `${r.clusterId} is a DB instance of the cluster ${asInstance.DBClusterIdentifier}: pass --cluster ${asInstance.DBClusterIdentifier}`
          : `${r.clusterId} is a DB instance, not a cluster: restore it with --db ${r.clusterId}`,
      );
  }
  const members: DBInstance[] = [];
  for (const m of original?.DBClusterMembers ?? []) {
    const got = m.DBInstanceIdentifier
      ? await describeInstance(aws.rds(region), m.DBInstanceIdentifier)
      : undefined;
    if (got) members.push(got);
  }
  let point: AuroraPoint;
  if (r.time) point = { kind: 'time', time: r.time };
  else {
    const { arn, vault } = await pointToRestore(
      aws,
      region,
      { arn: r.recoveryPointArn, vault: r.vault },
      { arn: original?.DBClusterArn, id: r.clusterId, what: 'DB cluster' },
      extra,
    );
    const parts = parseArn(arn ?? '');
    let snapshot: DBClusterSnapshot | undefined;
    let metadata: Record<string, string> | undefined;
    const readMetadata = async () =>
      vault && r.via !== 'rds'
        ? aws
            .backup(region)
            .send(
              (sdk) =>
                new sdk.GetRecoveryPointRestoreMetadataCommand({
                  BackupVaultName: vault,
                  RecoveryPointArn: arn,
                }),
            )
            .then((x) => x.RestoreMetadata)
            .catch(() => undefined)
        : undefined;
    if (arn && parts?.service === 'rds' && parts.resource.startsWith('cluster-snapshot:')) {
      snapshot = await clusterSnapshot(
        aws,
        region,
        arn,
        parts.resource.slice('cluster-snapshot:'.length),
      ).catch((e) => {
        extra.push(`cluster snapshot ${arn} could not be read: ${errorText(e)}`);
        return undefined;
      });
      metadata = await readMetadata();
    } else if (arn && parts?.service === 'backup' && !parts.resource.startsWith('recovery-point:continuous:'))
      metadata = await readMetadata();
    else if (arn)
      extra.push(
        parts?.resource.startsWith('recovery-point:continuous:')
          ? `${arn} is a continuous backup: restore a point in time of it with --time ISO-TIME (or omit --recovery-point for the newest snapshot)`
          : parts?.resource.startsWith('snapshot:')
            ? `${arn} is a DB instance snapshot: restore it with --db, not --cluster`
            : `${arn} is not an Aurora cluster snapshot recovery point (arn:aws:rds:REGION:ACCOUNT:cluster-snapshot:NAME)`,
      );
    point = {
      kind: 'snapshot',
      arn: arn ?? '',
      ...(snapshot ? { snapshot } : {}),
      ...(vault ? { vault } : {}),
      ...(metadata ? { metadata } : {}),
    };
  }
  const facts = {
    clusterId: r.clusterId,
    where: r.where,
    ...(original ? { original } : {}),
    members,
    point,
    targetExists: false,
    beforeExists: false,
    instancesTaken: [] as string[],
    now: r.now,
  };
  // The names the plan needs, from a first plan; then whether each is free.
  const { context } = planAurora(facts, r);
  const targetExists = Boolean(await describeCluster(aws.rds(region), context.targetId));
  const beforeExists = r.replace ? Boolean(await describeCluster(aws.rds(region), context.beforeId)) : false;
  const instancesTaken: string[] = [];
  for (const m of context.members)
    for (const id of [m.restoredId, ...(r.replace && m.beforeId ? [m.beforeId] : [])])
      if (await describeInstance(aws.rds(region), id)) instancesTaken.push(id);
  const plan = planAurora({ ...facts, targetExists, beforeExists, instancesTaken }, r);
  if (extra.length) return { ...plan, problems: [...extra, ...plan.problems], steps: [] };
  return plan;
}
