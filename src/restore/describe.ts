/**
 * The lookups every restore step and read shares: a database, a cluster, or nothing when AWS
 * says it is not there (any other failure is thrown: "not there" is concluded only from a read
 * that answered so).
 */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { RdsApi } from '../aws/clients.js';

/** The error names RDS, S3 and AWS Backup answer for something that does not exist. */
export const NOT_FOUND = new Set([
  'DBClusterNotFound',
  'DBClusterNotFoundFault',
  'DBClusterSnapshotNotFound',
  'DBClusterSnapshotNotFoundFault',
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
  'DBSnapshotNotFound',
  'DBSnapshotNotFoundFault',
  'NotFound',
  'NoSuchBucket',
  'NoSuchPublicAccessBlockConfiguration',
  'OwnershipControlsNotFoundError',
  'ResourceNotFoundException',
]);

/** A promise's rejection handler: undefined for "not there", the error rethrown otherwise. */
export const absent = (e: unknown): undefined => {
  if (NOT_FOUND.has((e as Error)?.name)) return undefined;
  throw e;
};

export async function describeInstance(rds: RdsApi, id: string): Promise<DBInstance | undefined> {
  return rds
    .send((sdk) => new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
    .then((r) => r.DBInstances?.[0], absent);
}

export async function describeCluster(rds: RdsApi, id: string): Promise<DBCluster | undefined> {
  return rds
    .send((sdk) => new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: id }))
    .then((r) => r.DBClusters?.[0], absent);
}
