/**
 * The reads a restore plan is made from (the planners are pure): the original database and the
 * recovery point (given, or the newest completed one of the resource, with its vault), its restore
 * metadata; for S3 the source and destination buckets' ACL, versioning and Block Public Access
 * settings and the recovery point's KMS key. Reads only; a read that fails becomes a problem
 * message where the plan cannot do without it.
 */
import type { RecoveryPointByResource } from '@aws-sdk/client-backup';
import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { Aws } from '../aws/clients.js';
import { errorText } from '../errors.js';
import { parseArn } from '../inventory/arn.js';
import { absent, describeInstance, NOT_FOUND } from './describe.js';
import { planRds, type RdsContext, type RdsOptions, type RdsPoint, restoredId } from './plan-rds.js';
import { type BucketFacts, type KeyFacts, planS3, type S3Context, type S3Options } from './plan-s3.js';
import { type Plan, RECORD_FORMAT, type RestoreRecord, type Where } from './types.js';

/**
 * The recovery point to restore: the one given, else the newest completed one of the original
 * (`originalArn`, `what` naming it, e.g. "database orders") in `vault` or any vault. What stands
 * in the way goes to `problems`.
 */
export async function pointToRestore(
  aws: Aws,
  region: string,
  given: { arn: string | undefined; vault: string | undefined },
  original: { arn: string | undefined; id: string; what: string },
  problems: string[],
): Promise<{ arn: string | undefined; vault: string | undefined }> {
  if (given.arn) return given;
  if (!original.arn) {
    problems.push(
      `no --recovery-point given, and no ${original.what} ${original.id} in ${region} to find its newest recovery point for: pass --recovery-point ARN`,
    );
    return given;
  }
  const found = await newest(aws, region, original.arn, given.vault, true);
  if (found.error)
    problems.push(
      `the recovery points of ${original.arn} could not be listed (${found.error}): pass --recovery-point ARN`,
    );
  else if (!found.point)
    problems.push(
      `no completed recovery point of ${original.id} in ${region}${given.vault ? ` vault ${given.vault}` : ''}: pass --recovery-point ARN, or --time for a continuous backup`,
    );
  return { arn: found.point?.RecoveryPointArn, vault: found.point?.BackupVaultName ?? given.vault };
}

/** The newest COMPLETED recovery point of a resource (in `vault` when given), and the error if it could not be listed. */
export async function newest(
  aws: Aws,
  region: string,
  resourceArn: string,
  vault: string | undefined,
  snapshotsOnly: boolean,
): Promise<{ point?: RecoveryPointByResource; error?: string }> {
  const points: RecoveryPointByResource[] = [];
  try {
    let NextToken: string | undefined;
    do {
      const page = await aws
        .backup(region)
        .send((sdk) => new sdk.ListRecoveryPointsByResourceCommand({ ResourceArn: resourceArn, NextToken }));
      points.push(...(page.RecoveryPoints ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (e) {
    return { error: errorText(e) };
  }
  const usable = points
    .filter((p) => p.Status === 'COMPLETED' && (!vault || p.BackupVaultName === vault))
    .filter(
      (p) =>
        !snapshotsOnly ||
        !parseArn(p.RecoveryPointArn ?? '')?.resource.startsWith('recovery-point:continuous:'),
    )
    .sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0));
  return usable[0] ? { point: usable[0] } : {};
}

export interface RdsRequest extends RdsOptions {
  dbId: string;
  where: Where;
  recoveryPointArn?: string;
  time?: Date;
  vault?: string;
  now: Date;
}

export async function readAndPlanRds(aws: Aws, r: RdsRequest): Promise<Plan<RdsContext>> {
  const region = r.where.region;
  const extra: string[] = [];
  const original = await describeInstance(aws.rds(region), r.dbId);
  let point: RdsPoint;
  if (r.time) point = { kind: 'time', time: r.time };
  else {
    const { arn, vault } = await pointToRestore(
      aws,
      region,
      { arn: r.recoveryPointArn, vault: r.vault },
      { arn: original?.DBInstanceArn, id: r.dbId, what: 'database' },
      extra,
    );
    const parts = parseArn(arn ?? '');
    let snapshot: DBSnapshot | undefined;
    let metadata: Record<string, string> | undefined;
    if (arn && parts?.service === 'rds' && parts.resource.startsWith('snapshot:')) {
      snapshot = await describeSnapshot(aws, region, arn, parts.resource.slice('snapshot:'.length)).catch(
        (e) => {
          extra.push(`snapshot ${arn} could not be read: ${errorText(e)}`);
          return undefined;
        },
      );
      if (vault && r.via !== 'rds')
        metadata = await aws
          .backup(region)
          .send(
            (sdk) =>
              new sdk.GetRecoveryPointRestoreMetadataCommand({
                BackupVaultName: vault,
                RecoveryPointArn: arn,
              }),
          )
          .then((x) => x.RestoreMetadata)
          .catch(() => undefined);
    } else if (
      arn &&
      parts?.service === 'backup' &&
      !parts.resource.startsWith('recovery-point:continuous:')
    ) {
      if (vault)
        metadata = await aws
          .backup(region)
          .send(
            (sdk) =>
              new sdk.GetRecoveryPointRestoreMetadataCommand({
                BackupVaultName: vault,
                RecoveryPointArn: arn,
              }),
          )
          .then((x) => x.RestoreMetadata)
          .catch(() => undefined);
    } else if (arn)
      extra.push(
        parts?.resource.startsWith('recovery-point:continuous:')
          ? `${arn} is a continuous backup: restore a point in time of it with --time ISO-TIME (or omit --recovery-point for the newest snapshot)`
          : `${arn} is not an RDS DB snapshot recovery point (arn:aws:rds:REGION:ACCOUNT:snapshot:NAME): restore rds restores DB instance snapshots`,
      );
    point = {
      kind: 'snapshot',
      arn: arn ?? '',
      ...(snapshot ? { snapshot } : {}),
      ...(vault ? { vault } : {}),
      ...(metadata ? { metadata } : {}),
    };
  }
  const plan = planRds(
    {
      dbId: r.dbId,
      where: r.where,
      ...(original ? { original } : {}),
      point,
      targetExists: Boolean(await describeInstance(aws.rds(region), restoredId(r.dbId, r.now, r.targetId))),
      beforeExists: false,
      now: r.now,
    },
    r,
  );
  if (r.replace) {
    const before = await describeInstance(aws.rds(region), plan.context.beforeId);
    if (before)
      extra.push(
        `a database named ${plan.context.beforeId} already exists in ${region}: run the restore again a minute later`,
      );
  }
  if (extra.length) return { ...plan, problems: [...extra, ...plan.problems], steps: [] };
  return plan;
}

/**
 * A snapshot by name in the account it is read in (AWS Backup's carry SnapshotType awsbackup), else
 * by ARN among the snapshots shared with it (a copy another account shared).
 */
async function describeSnapshot(
  aws: Aws,
  region: string,
  arn: string,
  name: string,
): Promise<DBSnapshot | undefined> {
  const rds = aws.rds(region);
  const own = await rds
    .send(
      (sdk) =>
        new sdk.DescribeDBSnapshotsCommand({
          DBSnapshotIdentifier: name,
          ...(name.startsWith('awsbackup:') ? { SnapshotType: 'awsbackup' } : {}),
        }),
    )
    .then((x) => x.DBSnapshots?.find((s) => !s.DBSnapshotArn || s.DBSnapshotArn === arn), absent);
  if (own) return own;
  return rds
    .send((sdk) => new sdk.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: arn, IncludeShared: true }))
    .then((x) => x.DBSnapshots?.[0], absent);
}

async function bucketFacts(aws: Aws, region: string, name: string): Promise<BucketFacts> {
  const s3 = aws.s3(region);
  const ownership = await s3
    .send((sdk) => new sdk.GetBucketOwnershipControlsCommand({ Bucket: name }))
    .then((x) => x.OwnershipControls?.Rules?.[0]?.ObjectOwnership, absent);
  const versioning = await s3
    .send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket: name }))
    .then((x) => x.Status);
  const pab = await s3
    .send((sdk) => new sdk.GetPublicAccessBlockCommand({ Bucket: name }))
    .then((x) => x.PublicAccessBlockConfiguration, absent);
  return {
    name,
    ...(ownership ? { objectOwnership: ownership } : {}),
    ...(versioning ? { versioning } : {}),
    blocksPublicAcls: Boolean(pab?.BlockPublicAcls || pab?.IgnorePublicAcls),
  };
}

async function bucketExists(aws: Aws, region: string, name: string): Promise<boolean> {
  try {
    await aws.s3(region).send((sdk) => new sdk.HeadBucketCommand({ Bucket: name }));
    return true;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (NOT_FOUND.has((e as Error).name) || status === 404) return false;
    throw e;
  }
}

export interface S3Request extends S3Options {
  bucket: string;
  where: Where;
  to?: string;
  recoveryPointArn?: string;
  vault?: string;
}

export async function readAndPlanS3(aws: Aws, r: S3Request): Promise<Plan<S3Context>> {
  const region = r.where.region;
  const destinationName = r.toOriginal ? r.bucket : (r.to ?? '');
  const source = await bucketFacts(aws, region, r.bucket);
  const destination =
    destinationName && (await bucketExists(aws, region, destinationName))
      ? destinationName === r.bucket
        ? source
        : await bucketFacts(aws, region, destinationName)
      : undefined;
  let arn = r.recoveryPointArn;
  let vault = r.vault;
  const extra: string[] = [];
  if (!arn) {
    const found = await newest(aws, region, `arn:aws:s3:::${r.bucket}`, vault, false);
    if (found.error)
      extra.push(
        `the recovery points of bucket ${r.bucket} could not be listed (${found.error}): pass --recovery-point ARN and --vault NAME`,
      );
    arn = found.point?.RecoveryPointArn;
    vault = found.point?.BackupVaultName ?? vault;
  }
  let key: KeyFacts | undefined;
  if (arn && vault) {
    const rp = await aws
      .backup(region)
      .send((sdk) => new sdk.DescribeRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: arn }))
      .catch((e) => {
        extra.push(`recovery point ${arn} in vault ${vault} could not be described: ${errorText(e)}`);
        return undefined;
      });
    if (rp?.EncryptionKeyArn) key = await keyFacts(aws, region, rp.EncryptionKeyArn);
  }
  const kms = r.kmsKeyArn ? await keyFacts(aws, region, r.kmsKeyArn) : undefined;
  const plan = planS3(
    {
      where: r.where,
      source,
      ...(destination ? { destination } : {}),
      destinationName,
      ...(arn ? { recoveryPointArn: arn } : {}),
      ...(vault ? { vault } : {}),
      ...(key ? { key } : {}),
      ...(kms ? { destinationKey: kms } : {}),
    },
    r,
  );
  const problems = [...extra, ...plan.problems];
  return problems.length ? { ...plan, problems, steps: [] } : plan;
}

async function keyFacts(aws: Aws, region: string, arn: string): Promise<KeyFacts> {
  const keyRegion = parseArn(arn)?.region || region;
  try {
    const k = await aws.kms(keyRegion).send((sdk) => new sdk.DescribeKeyCommand({ KeyId: arn }));
    return { arn, ...(k.KeyMetadata?.KeyState ? { state: k.KeyMetadata.KeyState } : {}) };
  } catch (e) {
    return { arn, error: errorText(e) };
  }
}

/** A fresh record of a plan (dry run or about to be applied). */
export function newRecord<C extends object>(
  kind: 'rds' | 's3',
  runId: string,
  where: Where,
  plan: Plan<C>,
  now: Date,
): RestoreRecord {
  return {
    format: RECORD_FORMAT,
    kind,
    runId,
    createdAt: now.toISOString(),
    where,
    context: plan.context as unknown as Record<string, unknown>,
    problems: plan.problems,
    warnings: plan.warnings,
    steps: plan.steps.map((s) => ({ ...s, status: 'planned' as const })),
    applied: false,
    status: plan.problems.length ? 'refused' : 'planned',
    updatedAt: now.toISOString(),
  };
}
