/**
 * Can the role a backup selection hands to AWS Backup do the job? IAM's policy simulation
 * (SimulatePrincipalPolicy) of the actions a backup of each audited resource needs, on that
 * resource (and its objects and KMS key). It evaluates the role's identity policies and its
 * permissions boundary — not SCPs of other accounts, not key policies, not bucket policies.
 */
import type { Aws } from '../../aws/clients.js';
import { partitionOf } from '../arn.js';
import { all, type Collection, type Input, mapLimit } from './calls.js';

/** AWSBackupServiceRolePolicyForS3Backup, the bucket-level reads and the notifications it sets up. */
export const S3_BUCKET_ACTIONS = [
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:GetBucketVersioning',
  's3:GetBucketLocation',
  's3:GetBucketTagging',
  's3:GetBucketAcl',
  's3:GetBucketNotification',
  's3:PutBucketNotification',
  's3:GetInventoryConfiguration',
  's3:PutInventoryConfiguration',
];
/** The same policy's object reads (on arn:aws:s3:::bucket/*). */
export const S3_OBJECT_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:GetObjectAcl',
  's3:GetObjectVersionAcl',
  's3:GetObjectTagging',
  's3:GetObjectVersionTagging',
];
/** An SSE-KMS bucket's key: without these the job "succeeds" with its objects skipped. */
export const S3_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
/** AWSBackupServiceRolePolicyForBackup for RDS and Aurora. */
export const RDS_INSTANCE_ACTIONS = [
  'rds:CreateDBSnapshot',
  'rds:DescribeDBInstances',
  'rds:AddTagsToResource',
  'rds:ListTagsForResource',
];
export const RDS_CLUSTER_ACTIONS = [
  'rds:CreateDBClusterSnapshot',
  'rds:DescribeDBClusters',
  'rds:AddTagsToResource',
  'rds:ListTagsForResource',
];
export const RDS_KEY_ACTIONS = ['kms:CreateGrant', 'kms:DescribeKey'];

/**
 * A copy of a continuous RDS backup goes through a temporary snapshot AWS Backup deletes once
 * copied (point-in-time-recovery-copying.html); a sample of the names it gives them.
 */
const TEMPORARY_SNAPSHOT = 'awsbackup:job-00000000-0000-0000-0000-000000000000';

/**
 * The actions a backup of `r` needs, each on the resource it is about; with `continuousCopies`
 * (its policy copies continuous backups), also deleting the copy's temporary snapshot.
 */
export function neededFor(
  r: Input<'resources'>,
  { continuousCopies = false }: { continuousCopies?: boolean } = {},
): { action: string; resource: string }[] {
  const on = (actions: string[], resource: string) => actions.map((action) => ({ action, resource }));
  if (r.Type === 'AWS::S3::Bucket') {
    const rules =
      (
        r as {
          ServerSideEncryptionConfiguration?: {
            Rules?: {
              ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
            }[];
          };
        }
      ).ServerSideEncryptionConfiguration?.Rules ?? [];
    const key = rules
      .map((x) => x.ApplyServerSideEncryptionByDefault)
      .find(
        (d) => d?.SSEAlgorithm?.startsWith('aws:kms') && d.KMSMasterKeyID?.startsWith('arn:'),
      )?.KMSMasterKeyID;
    return [
      ...on(S3_BUCKET_ACTIONS, r.Arn),
      ...on(S3_OBJECT_ACTIONS, `${r.Arn}/*`),
      ...(key ? on(S3_KEY_ACTIONS, key) : []),
    ];
  }
  const key =
    'StorageEncrypted' in r && r.StorageEncrypted && typeof r.KmsKeyId === 'string' ? r.KmsKeyId : undefined;
  const cluster = r.Type === 'AWS::RDS::DBCluster';
  const actions = cluster ? RDS_CLUSTER_ACTIONS : RDS_INSTANCE_ACTIONS;
  const temporary = `arn:${partitionOf(r.Region)}:rds:${r.Region}:${r.AccountId}:${cluster ? 'cluster-snapshot' : 'snapshot'}:${TEMPORARY_SNAPSHOT}`;
  return [
    ...on(actions, r.Arn),
    ...(key ? on(RDS_KEY_ACTIONS, key) : []),
    ...(continuousCopies
      ? on([cluster ? 'rds:DeleteDBClusterSnapshot' : 'rds:DeleteDBSnapshot'], temporary)
      : []),
  ];
}

/** Simulates, for each (role, resource), every action the backup needs; one call per pair. */
export async function collectRoleChecks(
  aws: Aws,
  c: Collection,
  pairs: { roleArn: string; resource: Input<'resources'>; continuousCopies?: boolean }[],
  limit: number,
): Promise<Input<'roleChecks'>[]> {
  const out = await mapLimit(pairs, limit, async ({ roleArn, resource, continuousCopies }) => {
    const needed = neededFor(resource, { continuousCopies: continuousCopies ?? false });
    const pages = await c.try(`${roleArn}|${resource.Arn}`, 'iam:SimulatePrincipalPolicy', () =>
      all(
        aws.iam(resource.Region).pages((sdk, client) =>
          sdk.paginateSimulatePrincipalPolicy(
            { client },
            {
              PolicySourceArn: roleArn,
              ActionNames: [...new Set(needed.map((n) => n.action))],
              ResourceArns: [...new Set(needed.map((n) => n.resource))],
            },
          ),
        ),
      ),
    );
    if (!pages) return undefined;
    // One result per action and resource (or per action, with ResourceSpecificResults).
    const decision = new Map<string, string>();
    for (const page of pages)
      for (const r of page.EvaluationResults ?? []) {
        for (const s of r.ResourceSpecificResults ?? [])
          decision.set(`${r.EvalActionName}|${s.EvalResourceName}`, s.EvalResourceDecision ?? 'implicitDeny');
        if (r.EvalResourceName)
          decision.set(`${r.EvalActionName}|${r.EvalResourceName}`, r.EvalDecision ?? 'implicitDeny');
      }
    const denied = needed.flatMap((n) => {
      const d = decision.get(`${n.action}|${n.resource}`) ?? decision.get(`${n.action}|*`);
      return d === 'allowed'
        ? []
        : [{ Action: n.action, Resource: n.resource, Decision: d ?? 'not evaluated' }];
    });
    return { RoleArn: roleArn, ResourceArn: resource.Arn, Checked: needed.length, Denied: denied };
  });
  return out.filter((x): x is NonNullable<typeof x> => x !== undefined);
}
