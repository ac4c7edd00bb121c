/** RDS databases: the instances and clusters of a region, or one of them, as inventory resources. */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { Aws } from '../../aws/clients.js';
import { parseArn, partitionOf } from '../arn.js';
import { all, type Collection, type Input, tagMap } from './calls.js';

export interface DatabaseReadOptions {
  region: string;
  accountId: string;
}

/** Every instance and cluster of the region (DocumentDB and Neptune clusters left out). */
export async function listDatabases(
  aws: Aws,
  c: Collection,
  { region, accountId }: DatabaseReadOptions,
): Promise<Input<'resources'>[]> {
  const out: Input<'resources'>[] = [];
  const instances =
    (await c.try('*', 'rds:DescribeDBInstances', () =>
      all(aws.rds(region).pages((sdk, client) => sdk.paginateDescribeDBInstances({ client }, {}))),
    )) ?? [];
  for (const db of instances.flatMap((p) => p.DBInstances ?? [])) out.push(toInstance(db, region, accountId));
  const clusters =
    (await c.try('*', 'rds:DescribeDBClusters', () =>
      all(aws.rds(region).pages((sdk, client) => sdk.paginateDescribeDBClusters({ client }, {}))),
    )) ?? [];
  for (const cl of clusters.flatMap((p) => p.DBClusters ?? [])) {
    // DescribeDBClusters also lists DocumentDB and Neptune clusters; they are not ours.
    if (cl.Engine === 'docdb' || cl.Engine === 'neptune') continue;
    out.push(toCluster(cl, region, accountId));
  }
  return out;
}

/** One database by ARN (`db:NAME` or `cluster:NAME`): none when it is gone or cannot be read. */
export async function readDatabase(
  aws: Aws,
  c: Collection,
  arn: string,
  { region, accountId }: DatabaseReadOptions,
): Promise<Input<'resources'>[]> {
  const resource = parseArn(arn)?.resource ?? '';
  if (resource.startsWith('db:')) {
    const id = resource.slice('db:'.length);
    const got = await c.try(arn, 'rds:DescribeDBInstances', () =>
      aws.rds(region).send((sdk) => new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
    );
    return (got?.DBInstances ?? []).map((db) => toInstance(db, region, accountId));
  }
  const id = resource.slice('cluster:'.length);
  const got = await c.try(arn, 'rds:DescribeDBClusters', () =>
    aws.rds(region).send((sdk) => new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: id })),
  );
  return (got?.DBClusters ?? []).map((cl) => toCluster(cl, region, accountId));
}

/** DescribeDBInstances item -> resource. */
export function toInstance(db: DBInstance, region: string, accountId: string): Input<'resources'> {
  return {
    Type: 'AWS::RDS::DBInstance',
    Arn:
      db.DBInstanceArn ??
      `arn:${partitionOf(region)}:rds:${region}:${accountId}:db:${db.DBInstanceIdentifier}`,
    Region: region,
    AccountId: accountId,
    Tags: tagMap(db.TagList),
    DBInstanceIdentifier: db.DBInstanceIdentifier ?? '',
    ...(db.DBClusterIdentifier ? { DBClusterIdentifier: db.DBClusterIdentifier } : {}),
    Engine: db.Engine ?? '',
    BackupRetentionPeriod: db.BackupRetentionPeriod ?? 0,
    DeletionProtection: db.DeletionProtection ?? false,
    CopyTagsToSnapshot: db.CopyTagsToSnapshot ?? false,
    StorageEncrypted: db.StorageEncrypted ?? false,
    ...(db.KmsKeyId ? { KmsKeyId: db.KmsKeyId } : {}),
    ...(db.DBSubnetGroup?.DBSubnetGroupName ? { DBSubnetGroupName: db.DBSubnetGroup.DBSubnetGroupName } : {}),
    ...(db.OptionGroupMemberships?.[0]?.OptionGroupName
      ? { OptionGroupName: db.OptionGroupMemberships[0].OptionGroupName }
      : {}),
    ...(db.DBInstanceStatus ? { DBInstanceStatus: db.DBInstanceStatus } : {}),
    ...(db.ReadReplicaSourceDBInstanceIdentifier
      ? { ReadReplicaSourceDBInstanceIdentifier: db.ReadReplicaSourceDBInstanceIdentifier }
      : {}),
    // AWS Config identifies databases by these (db-XXXX / cluster-XXXX), not by name.
    ...(db.DbiResourceId ? { DbiResourceId: db.DbiResourceId } : {}),
  };
}

/** DescribeDBClusters item -> resource. */
export function toCluster(cl: DBCluster, region: string, accountId: string): Input<'resources'> {
  return {
    Type: 'AWS::RDS::DBCluster',
    Arn:
      cl.DBClusterArn ??
      `arn:${partitionOf(region)}:rds:${region}:${accountId}:cluster:${cl.DBClusterIdentifier}`,
    Region: region,
    AccountId: accountId,
    Tags: tagMap(cl.TagList),
    DBClusterIdentifier: cl.DBClusterIdentifier ?? '',
    Engine: cl.Engine ?? '',
    BackupRetentionPeriod: cl.BackupRetentionPeriod ?? 0,
    DeletionProtection: cl.DeletionProtection ?? false,
    CopyTagsToSnapshot: cl.CopyTagsToSnapshot ?? false,
    StorageEncrypted: cl.StorageEncrypted ?? false,
    ...(cl.KmsKeyId ? { KmsKeyId: cl.KmsKeyId } : {}),
    ...(cl.DBSubnetGroup ? { DBSubnetGroupName: cl.DBSubnetGroup } : {}),
    ...(cl.DbClusterResourceId ? { DbClusterResourceId: cl.DbClusterResourceId } : {}),
  };
}
