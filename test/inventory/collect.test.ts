import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BackupClient,
  DescribeRegionSettingsCommand,
  GetBackupPlanCommand,
  type GetBackupPlanOutput,
  GetBackupSelectionCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  type GetBackupVaultNotificationsOutput,
  ListBackupJobsCommand,
  type ListBackupJobsOutput,
  ListBackupPlansCommand,
  type ListBackupPlansOutput,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  type ListBackupVaultsOutput,
  ListCopyJobsCommand,
  ListProtectedResourcesCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type ListRecoveryPointsByResourceOutput,
  ListRestoreJobsCommand,
  ListRestoreTestingPlansCommand,
  ListTagsCommand,
} from '@aws-sdk/client-backup';
import {
  DescribeKeyCommand,
  type DescribeKeyResponse,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
} from '@aws-sdk/client-kms';
import {
  type DBClusterMessage,
  type DBInstanceMessage,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  GetResourcesCommand,
  type GetResourcesOutput,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  type GetBucketLifecycleConfigurationOutput,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketReplicationCommand,
  type GetBucketReplicationOutput,
  GetBucketVersioningCommand,
  type GetBucketVersioningOutput,
  GetObjectLockConfigurationCommand,
  type GetObjectLockConfigurationOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { collectInventory } from '../../src/inventory/collect/index.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { audit } from '../../src/rules/engine.js';
import type { Finding } from '../../src/rules/types.js';
import { mockAccountReads } from '../support/account-reads.js';
import { policies as policySet } from '../support/builders.js';
import { placebo, raw as rawFixture } from '../support/fixtures.js';

// ---------------------------------------------------------------------------------------------
// Real payloads, converted to what the SDK hands back (Date objects, no ResponseMetadata)
// ---------------------------------------------------------------------------------------------

const raw = (name: string) => rawFixture(`api/${name}`);

/** A placebo error response as the SDK throws it: name = the AWS error code. */
function placeboError(name: string): Error {
  const { status_code, data } = raw(name);
  return awsError(data.Error.Code, data.Error.Message, status_code);
}

function awsError(code: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: status } });
}

/** awscli output: epoch-second dates -> Date. */
function awscliDates<T>(value: T, keys: string[]): T {
  if (Array.isArray(value)) return value.map((v) => awscliDates(v, keys)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        keys.includes(k) && typeof v === 'number' ? new Date(Math.round(v * 1000)) : awscliDates(v, keys),
      ]),
    ) as T;
  return value;
}

// ---------------------------------------------------------------------------------------------
// The account
// ---------------------------------------------------------------------------------------------

const REGION = 'us-east-1';
/** The account of the plan and vault fixtures, so the policy's vault ARN is the fixture's. */
const ACCOUNT = '644160558196';
const NOW = new Date('2022-09-10T00:00:00.000Z');
const WINDOW_DAYS = 30;
const SINCE = new Date(NOW.getTime() - WINDOW_DAYS * 86_400_000);

/** The policy names the fixture plan ("test") and vault ("Default"). */
const POLICIES = policySet({
  policies: { gold: { plan: 'test', vault: 'Default', frequency: '1d', retentionDays: 21 } },
});

const VERSIONED = 'sentinel-versioned';
const UNVERSIONED = 'sentinel-unversioned';
const IRISH = 'sentinel-irish';
const bucketArn = (name: string) => `arn:aws:s3:::${name}`;

const PLAN_PAGE_1 = placebo<ListBackupPlansOutput>('backup_ListBackupPlans_placebo.json');
const FIXTURE_PLAN = PLAN_PAGE_1.BackupPlansList?.[0] as NonNullable<
  ListBackupPlansOutput['BackupPlansList']
>[number];
const PLAN_ID = FIXTURE_PLAN.BackupPlanId as string;
const PLAN_ARN = FIXTURE_PLAN.BackupPlanArn as string;
/** The second page: the same real item, another plan. */
const BRONZE_ID = 'b0b0b0b0-0000-4000-8000-000000000002';
const BRONZE_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:${BRONZE_ID}`;
const PLAN_PAGE_2: ListBackupPlansOutput = {
  BackupPlansList: [
    { ...FIXTURE_PLAN, BackupPlanId: BRONZE_ID, BackupPlanArn: BRONZE_ARN, BackupPlanName: 'bronze' },
  ],
};

const GOT_PLAN = placebo<GetBackupPlanOutput>('backup_GetBackupPlan_placebo.json');
const GOT_BRONZE: GetBackupPlanOutput = {
  ...GOT_PLAN,
  BackupPlanId: BRONZE_ID,
  BackupPlanArn: BRONZE_ARN,
  BackupPlan: {
    BackupPlanName: 'bronze',
    Rules: [
      GOT_PLAN.BackupPlan?.Rules?.[0] as NonNullable<
        NonNullable<GetBackupPlanOutput['BackupPlan']>['Rules']
      >[number],
    ],
  },
};

const VAULTS = placebo<ListBackupVaultsOutput>('backup_ListBackupVaults_placebo.json');
const VAULT_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:Default`;
const VAULT_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/8d56db16-21c6-412f-b949-7a012e11ee6e`;
const NOTIFICATIONS = raw(
  'backup_GetBackupVaultNotifications_docs.json',
) as GetBackupVaultNotificationsOutput;

const DB_ARN = 'arn:aws:rds:us-east-1:123456789012:db:database-1';
/** ListRecoveryPointsByBackupVault has no published sample: its items are the by-resource ones
 * plus the ResourceArn the by-vault listing adds (BackupVaultArn left out: filled from the vault). */
const POINTS = (
  placebo<ListRecoveryPointsByResourceOutput>('backup_ListRecoveryPointsByResource_rds_placebo.json')
    .RecoveryPoints ?? []
).map((p) => ({ ...p, ResourceArn: DB_ARN, ResourceType: 'RDS' }));
const POINT_PAGE_1 = { RecoveryPoints: POINTS.slice(0, 2), NextToken: 'points-page-2' };
const POINT_PAGE_2 = { RecoveryPoints: POINTS.slice(2) };

const JOBS = awscliDates(raw('backup_ListBackupJobs_awscli.json') as ListBackupJobsOutput, [
  'CreationDate',
  'CompletionDate',
  'StartBy',
]);

const KEY_METADATA = placebo<DescribeKeyResponse>('kms_DescribeKey_external_pending_import_placebo.json')
  .KeyMetadata as NonNullable<DescribeKeyResponse['KeyMetadata']>;
/** The vault key's materials as ListKeyRotations lists them (kms_ListKeyRotations_imported_docs.json shape). */
const MATERIAL_ID = '96083e4fb6dbc41d77578a213a6b6669c044dd4c143e96755396d2bf11fd6068';
const KCV = 'kcv1:c0ffee00000000000000000000000000';

const sts = mockClient(STSClient);
mockAccountReads();
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);
const backup = mockClient(BackupClient);
const kms = mockClient(KMSClient);

/**
 * Inputs of the paged calls as they were sent (the SDK paginators reuse one input object, so
 * commandCalls() shows each page's input with the last NextToken).
 */
const pages: [string, Record<string, unknown>][] = [];
const pagesOf = (operation: string) => pages.filter(([op]) => op === operation).map(([, input]) => input);

/** The account every test starts from; tests then override single answers. */
function mockAccount(): void {
  sts.on(GetCallerIdentityCommand).resolves({
    UserId: 'AIDAEXAMPLE',
    Account: ACCOUNT,
    Arn: `arn:aws:iam::${ACCOUNT}:user/auditor`,
  });

  // Tagging: the real page shape (empty PaginationToken on the last page), our buckets' ARNs.
  const page = placebo<GetResourcesOutput>('tagging_GetResources_placebo.json');
  const [first, second] = page.ResourceTagMappingList ?? [];
  tagging.on(GetResourcesCommand).resolves({
    ...page,
    ResourceTagMappingList: [
      {
        ...first,
        ResourceARN: bucketArn(VERSIONED),
        Tags: [...(first?.Tags ?? []), { Key: 'backup:policy', Value: 'gold' }],
      },
      {
        ...second,
        ResourceARN: bucketArn(UNVERSIONED),
        Tags: [...(second?.Tags ?? []), { Key: 'backup:policy', Value: 'gold' }],
      },
      { ResourceARN: bucketArn(IRISH), Tags: [{ Key: 'backup:policy', Value: 'gold' }] },
    ],
  });

  rds
    .on(DescribeDBInstancesCommand)
    .resolves(placebo<DBInstanceMessage>('rds_DescribeDBInstances_placebo.json'));
  rds
    .on(DescribeDBClustersCommand)
    .resolves(placebo<DBClusterMessage>('rds_DescribeDBClusters_placebo.json'));

  // S3: us-east-1 answers no LocationConstraint; "EU" is the legacy eu-west-1.
  s3.on(GetBucketLocationCommand).callsFake(({ Bucket }) =>
    Bucket === IRISH ? { LocationConstraint: 'EU' } : {},
  );
  s3.on(GetBucketVersioningCommand).callsFake(({ Bucket }) =>
    placebo<GetBucketVersioningOutput>(
      Bucket === VERSIONED
        ? 's3_GetBucketVersioning_enabled_placebo.json'
        : 's3_GetBucketVersioning_never_enabled_placebo.json',
    ),
  );
  s3.on(GetBucketLifecycleConfigurationCommand).callsFake(({ Bucket }) => {
    if (Bucket === VERSIONED)
      return placebo<GetBucketLifecycleConfigurationOutput>(
        's3_GetBucketLifecycleConfiguration_placebo.json',
      );
    throw placeboError('s3_GetBucketLifecycleConfiguration_NoSuchLifecycleConfiguration_placebo.json');
  });
  s3.on(GetObjectLockConfigurationCommand).callsFake(({ Bucket }) => {
    if (Bucket === VERSIONED)
      return placebo<GetObjectLockConfigurationOutput>('s3_GetObjectLockConfiguration_placebo.json');
    throw placeboError('s3_GetObjectLockConfiguration_NotFound_placebo.json');
  });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    },
  });
  s3.on(GetBucketReplicationCommand).callsFake(({ Bucket }) => {
    if (Bucket === VERSIONED)
      return placebo<GetBucketReplicationOutput>('s3_GetBucketReplication_placebo.json');
    throw awsError(
      'ReplicationConfigurationNotFoundError',
      'The replication configuration was not found',
      404,
    );
  });
  s3.on(GetBucketOwnershipControlsCommand).callsFake(({ Bucket }) => {
    if (Bucket === VERSIONED)
      return { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } };
    throw awsError('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404);
  });

  backup.on(ListBackupPlansCommand).callsFake((input) => {
    pages.push(['ListBackupPlans', { ...input }]);
    return input.NextToken === 'plans-page-2' ? PLAN_PAGE_2 : { ...PLAN_PAGE_1, NextToken: 'plans-page-2' };
  });
  backup
    .on(GetBackupPlanCommand)
    .callsFake(({ BackupPlanId }) => (BackupPlanId === PLAN_ID ? GOT_PLAN : GOT_BRONZE));
  backup.on(ListBackupSelectionsCommand).callsFake(({ BackupPlanId }) => ({
    BackupSelectionsList:
      BackupPlanId === PLAN_ID
        ? [
            {
              SelectionId: 'sel-gold',
              SelectionName: 'gold-tagged',
              BackupPlanId: PLAN_ID,
              IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`,
              CreationDate: new Date('2022-01-01T00:00:00.000Z'),
            },
          ]
        : [],
  }));
  backup.on(GetBackupSelectionCommand).resolves({
    SelectionId: 'sel-gold',
    BackupPlanId: PLAN_ID,
    CreationDate: new Date('2022-01-01T00:00:00.000Z'),
    BackupSelection: {
      SelectionName: 'gold-tagged',
      IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`,
      Resources: [],
      ListOfTags: [{ ConditionType: 'STRINGEQUALS', ConditionKey: 'backup:policy', ConditionValue: 'gold' }],
    },
  });
  backup.on(ListTagsCommand).callsFake(({ ResourceArn }) => ({
    Tags: ResourceArn === VAULT_ARN ? { team: 'dr' } : {},
  }));
  backup.on(ListBackupVaultsCommand).resolves(VAULTS);
  backup
    .on(GetBackupVaultAccessPolicyCommand)
    .rejects(awsError('ResourceNotFoundException', 'Backup vault Default has no access policy', 404));
  backup.on(GetBackupVaultNotificationsCommand).resolves(NOTIFICATIONS);
  backup.on(ListRecoveryPointsByBackupVaultCommand).callsFake((input) => {
    pages.push(['ListRecoveryPointsByBackupVault', { ...input }]);
    return input.NextToken === 'points-page-2' ? POINT_PAGE_2 : POINT_PAGE_1;
  });
  backup.on(ListBackupJobsCommand).resolves(JOBS);
  backup.on(ListCopyJobsCommand).resolves({ CopyJobs: [] });
  backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [] });
  backup.on(ListProtectedResourcesCommand).resolves({ Results: [] });
  backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });
  backup.on(DescribeRegionSettingsCommand).resolves({
    ResourceTypeOptInPreference: { Aurora: true, RDS: true, S3: true },
  });

  // KMS: every key read answers the real EXTERNAL/PendingImport metadata, as that key.
  kms.on(DescribeKeyCommand).callsFake(({ KeyId }) => ({
    KeyMetadata: {
      ...KEY_METADATA,
      KeyId: String(KeyId).replace(/^.*key\//, ''),
      Arn: KeyId,
      AWSAccountId: String(KeyId).split(':')[4],
    },
  }));
  kms.on(ListAliasesCommand).resolves({
    Aliases: [
      {
        AliasName: 'alias/backup-vault',
        AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/backup-vault`,
        TargetKeyId: '8d56db16-21c6-412f-b949-7a012e11ee6e',
      },
      { AliasName: 'alias/aws/backup', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/backup` },
    ],
    Truncated: false,
  });
  kms.on(ListKeyRotationsCommand).callsFake(({ KeyId }) => ({
    Rotations: String(KeyId).endsWith('8d56db16-21c6-412f-b949-7a012e11ee6e')
      ? [
          {
            KeyId: '8d56db16-21c6-412f-b949-7a012e11ee6e',
            KeyMaterialId: MATERIAL_ID,
            KeyMaterialDescription: `backup-sentinel ${KCV}`,
            ImportState: 'PENDING_IMPORT',
            KeyMaterialState: 'CURRENT',
            ExpirationModel: 'KEY_MATERIAL_EXPIRES',
            ValidTo: new Date('2025-06-01T00:00:00Z'),
          },
        ]
      : [],
    Truncated: false,
  }));
}

const newAws = () => new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const collect = (aws: Aws, policies = POLICIES) =>
  collectInventory(aws, {
    regions: [REGION],
    policies,
    now: NOW,
    windowDays: WINDOW_DAYS,
    readFrom: 'direct',
  });
/** POLICIES, with gold asking for Object Lock (so s3.object-lock judges the buckets). */
const LOCKED = policySet({
  policies: {
    gold: { plan: 'test', vault: 'Default', frequency: '1d', retentionDays: 21, s3: { objectLock: true } },
  },
});

/** Resets every mock to the account above. */
function resetAccount(): void {
  for (const m of [sts, tagging, rds, s3, backup, kms]) m.reset();
  pages.length = 0;
  mockAccount();
}

afterAll(() => {
  for (const m of [sts, tagging, rds, backup, kms]) m.restore();
});

// ---------------------------------------------------------------------------------------------
// The happy path
// ---------------------------------------------------------------------------------------------

describe('collectInventory maps a live account into the inventory', () => {
  beforeEach(resetAccount);

  it('maps RDS instances and clusters with flattened tags and subnet group names', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.accountId).toBe(ACCOUNT);
    expect(inv.capturedAt).toBe('2022-09-10T00:00:00.000Z');
    expect(inv.regions).toEqual([REGION]);
    expect(inv.resources.filter((r) => r.Type !== 'AWS::S3::Bucket')).toEqual([
      {
        Type: 'AWS::RDS::DBInstance',
        Arn: DB_ARN,
        Region: REGION,
        AccountId: ACCOUNT,
        Tags: {},
        DBInstanceIdentifier: 'database-1',
        Engine: 'mysql',
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        StorageEncrypted: true,
        KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/38db0a99-0bec-40f1-8d65-c73a1a16e83a',
        DBSubnetGroupName: 'default-vpc-0d9dd54496f180583',
        OptionGroupName: 'default:mysql-8-0',
        DBInstanceStatus: 'available',
        DbiResourceId: 'db-WYY6G33SJTXPDRM37WAJIIIIXE',
      },
      {
        Type: 'AWS::RDS::DBCluster',
        Arn: 'arn:aws:rds:us-west-2:141654562785:cluster:cluster-ABCDEF',
        Region: REGION,
        AccountId: ACCOUNT,
        Tags: {},
        DBClusterIdentifier: 'bbb',
        Engine: 'aurora',
        BackupRetentionPeriod: 14,
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        StorageEncrypted: true,
        KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k1',
        DBSubnetGroupName: 'default-vpc-1',
        DbClusterResourceId: 'cluster-ABCDEF',
      },
    ]);
  });

  it('maps buckets of the region with tags, versioning, lifecycle and object lock', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws, LOCKED);
    // Assess
    expect(inv.resources.filter((r) => r.Type === 'AWS::S3::Bucket')).toEqual([
      {
        Type: 'AWS::S3::Bucket',
        Arn: bucketArn(VERSIONED),
        Region: REGION,
        AccountId: ACCOUNT,
        Tags: { Owner: 'c7n', Environment: 'test', 'backup:policy': 'gold' },
        Name: VERSIONED,
        Versioning: { Status: 'Enabled' },
        LifecycleRules: [
          {
            Expiration: { ExpiredObjectDeleteMarker: true },
            ID: 'EnterpriseLifecycle',
            Filter: { Prefix: '' },
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 4 },
          },
        ],
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7, Years: 0 } },
        },
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
          ],
        },
      },
      {
        Type: 'AWS::S3::Bucket',
        Arn: bucketArn(UNVERSIONED),
        Region: REGION,
        AccountId: ACCOUNT,
        Tags: { Owner: 'c7n', Environment: 'test', 'backup:policy': 'gold' },
        Name: UNVERSIONED,
        Versioning: {},
        LifecycleRules: [],
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
          ],
        },
      },
    ]);
  });

  it('reads each bucket of another region only for its location', async () => {
    // Prepare
    const aws = newAws();
    // Act
    await collect(aws);
    // Assess
    const asked = (command: Parameters<typeof s3.commandCalls>[0]) =>
      s3.commandCalls(command).map((call) => call.args[0].input.Bucket);
    expect(asked(GetBucketLocationCommand).sort()).toEqual([IRISH, UNVERSIONED, VERSIONED]);
    expect(asked(GetBucketVersioningCommand).sort()).toEqual([UNVERSIONED, VERSIONED]);
    expect(asked(GetBucketLifecycleConfigurationCommand).sort()).toEqual([UNVERSIONED, VERSIONED]);
  });

  it('asks the tagging API for the policy tag on S3 buckets, and for the keys opted in to escrow', async () => {
    // Prepare
    const aws = newAws();
    // Act
    await collect(aws);
    // Assess
    expect(tagging.commandCalls(GetResourcesCommand).map((c) => c.args[0].input)).toEqual([
      { TagFilters: [{ Key: 'backup:policy' }], ResourceTypeFilters: ['s3:bucket'] },
      { TagFilters: [{ Key: 'backup:key-material', Values: ['escrow'] }], ResourceTypeFilters: ['kms:key'] },
    ]);
  });

  it('records no collection errors for the "there is none" answers', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws, LOCKED);
    // Assess
    expect(inv.collectionErrors).toEqual([]);
    expect(backup.commandCalls(GetBackupVaultAccessPolicyCommand)).toHaveLength(1);
    expect(s3.commandCalls(GetObjectLockConfigurationCommand)).toHaveLength(2);
    expect(inv.backupVaults[0]?.AccessPolicy).toBeUndefined();
  });

  it('collects backup plans from both list pages with their rules and tags', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(pagesOf('ListBackupPlans').map((input) => input.NextToken)).toEqual([undefined, 'plans-page-2']);
    expect(inv.backupPlans.map((p) => [p.BackupPlanName, p.BackupPlanId, p.BackupPlanArn])).toEqual([
      ['test', PLAN_ID, PLAN_ARN],
      ['bronze', BRONZE_ID, BRONZE_ARN],
    ]);
    expect(inv.backupPlans[0]).toEqual({
      BackupPlanId: PLAN_ID,
      BackupPlanArn: PLAN_ARN,
      BackupPlanName: 'test',
      VersionId: 'NTNlNjNkOGMtM2M4NS00NWMwLTk3YjMtNzk1NzNhMjRjMTZj',
      Rules: [
        {
          RuleName: 'dev',
          TargetBackupVaultName: 'Default',
          ScheduleExpression: 'cron(0 5 ? * * *)',
          StartWindowMinutes: 480,
          CompletionWindowMinutes: 10080,
          Lifecycle: { DeleteAfterDays: 21 },
          RecoveryPointTags: { CostCenter: 'Backup' },
          RuleId: '1d5ef03b-d787-4a05-9e0a-04fdb2d4793c',
          CopyActions: [],
        },
        {
          RuleName: 'weekly-archive',
          TargetBackupVaultName: 'Default',
          ScheduleExpression: 'cron(0 5 ? * 7 *)',
          StartWindowMinutes: 480,
          CompletionWindowMinutes: 10080,
          Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 180 },
          RuleId: 'f9f067cb-c58d-4b8b-b38e-f2aa8e0a47b4',
          CopyActions: [],
        },
      ],
      Tags: {},
    });
    expect(inv.backupPlans[1]?.Rules.map((r) => r.RuleName)).toEqual(['dev']);
  });

  it('collects the selections of each plan', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(
      backup
        .commandCalls(ListBackupSelectionsCommand)
        .map((c) => c.args[0].input.BackupPlanId)
        .sort(),
    ).toEqual([PLAN_ID, BRONZE_ID].sort());
    expect(inv.backupSelections).toEqual([
      {
        SelectionId: 'sel-gold',
        SelectionName: 'gold-tagged',
        BackupPlanId: PLAN_ID,
        IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`,
        Resources: [],
        NotResources: [],
        ListOfTags: [
          { ConditionType: 'STRINGEQUALS', ConditionKey: 'backup:policy', ConditionValue: 'gold' },
        ],
        Conditions: { StringEquals: [], StringNotEquals: [], StringLike: [], StringNotLike: [] },
      },
    ]);
  });

  it('collects vaults with their notifications, tags and encryption key', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.backupVaults).toEqual([
      {
        BackupVaultName: 'Default',
        BackupVaultArn: VAULT_ARN,
        EncryptionKeyArn: VAULT_KEY,
        Locked: false,
        Notifications: {
          SNSTopicArn: 'arn:aws:sns:region:account-id:myBackupTopic',
          BackupVaultEvents: ['RESTORE_JOB_STARTED', 'RESTORE_JOB_COMPLETED', 'RECOVERY_POINT_MODIFIED'],
        },
        Tags: { team: 'dr' },
      },
    ]);
  });

  it('collects recovery points from both pages of the vault listing with ISO dates and the vault ARN', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.recoveryPoints.map((p) => [p.RecoveryPointArn, p.CreationDate, p.BackupVaultArn])).toEqual([
      [
        'arn:aws:backup:us-east-1:123456789012:recovery-point:b2f7c59b-2a92-4dbd-814f-ed35e175c259',
        '2022-09-09T14:04:52.776Z',
        VAULT_ARN,
      ],
      [
        'arn:aws:backup:us-east-1:123456789012:recovery-point:60520946-70e2-4a79-a55d-cb1a414b4aba',
        '2022-09-08T22:04:52.776Z',
        VAULT_ARN,
      ],
      [
        'arn:aws:backup:us-east-1:123456789012:recovery-point:5847ea9a-e0e4-4965-8545-58d441690f49',
        '2022-09-07T17:04:52.776Z',
        VAULT_ARN,
      ],
    ]);
    expect(inv.recoveryPoints[0]).toEqual({
      RecoveryPointArn:
        'arn:aws:backup:us-east-1:123456789012:recovery-point:b2f7c59b-2a92-4dbd-814f-ed35e175c259',
      StatusMessage: 'Done',
      EncryptionKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/4dee567f-437f-4c94-9aac-5aa1259678e1',
      CreationDate: '2022-09-09T14:04:52.776Z',
      Status: 'COMPLETED',
      BackupVaultName: 'Default',
      BackupSizeBytes: 11910,
      ResourceArn: DB_ARN,
      ResourceType: 'RDS',
      BackupVaultArn: VAULT_ARN,
    });
  });

  it('lists recovery points per vault page within the window, not per resource', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.resources).toHaveLength(4);
    expect(pagesOf('ListRecoveryPointsByBackupVault')).toEqual([
      { BackupVaultName: 'Default', ByCreatedAfter: SINCE },
      {
        BackupVaultName: 'Default',
        ByCreatedAfter: SINCE,
        MaxResults: undefined,
        NextToken: 'points-page-2',
      },
    ]);
  });

  it('makes one list call per page for the region-wide Backup listings', async () => {
    // Prepare
    const aws = newAws();
    // Act
    await collect(aws);
    // Assess
    const count = (command: Parameters<typeof backup.commandCalls>[0]) => backup.commandCalls(command).length;
    expect({
      ListBackupPlans: count(ListBackupPlansCommand),
      GetBackupPlan: count(GetBackupPlanCommand),
      ListBackupSelections: count(ListBackupSelectionsCommand),
      GetBackupSelection: count(GetBackupSelectionCommand),
      ListBackupVaults: count(ListBackupVaultsCommand),
      GetBackupVaultNotifications: count(GetBackupVaultNotificationsCommand),
      ListRecoveryPointsByBackupVault: count(ListRecoveryPointsByBackupVaultCommand),
      ListBackupJobs: count(ListBackupJobsCommand),
      ListCopyJobs: count(ListCopyJobsCommand),
      ListRestoreJobs: count(ListRestoreJobsCommand),
      ListProtectedResources: count(ListProtectedResourcesCommand),
      ListRestoreTestingPlans: count(ListRestoreTestingPlansCommand),
      DescribeRegionSettings: count(DescribeRegionSettingsCommand),
      ListTags: count(ListTagsCommand),
    }).toEqual({
      ListBackupPlans: 2,
      GetBackupPlan: 2,
      ListBackupSelections: 2,
      GetBackupSelection: 1,
      ListBackupVaults: 1,
      GetBackupVaultNotifications: 1,
      ListRecoveryPointsByBackupVault: 2,
      ListBackupJobs: 1,
      ListCopyJobs: 1,
      ListRestoreJobs: 1,
      ListProtectedResources: 1,
      ListRestoreTestingPlans: 1,
      DescribeRegionSettings: 1,
      ListTags: 3,
    });
    expect(backup.commandCalls(ListBackupJobsCommand)[0]?.args[0].input).toEqual({ ByCreatedAfter: SINCE });
  });

  it('collects backup jobs with ISO dates and keeps their other fields', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.backupJobs).toEqual([
      {
        BackupJobId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
        BackupVaultName: 'Default',
        BackupVaultArn: 'arn:aws:backup:us-west-2:123456789012:backup-vault:Default',
        ResourceArn: 'arn:aws:ec2:us-west-2:123456789012:instance/i-12345678901234567',
        CreationDate: '2020-09-21T20:58:12.929Z',
        State: 'CREATED',
        PercentDone: '0.0',
        IamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
        StartBy: '2020-09-21T21:58:12.929Z',
        ResourceType: 'EC2',
      },
      {
        BackupJobId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
        BackupVaultName: 'Default',
        BackupVaultArn: 'arn:aws:backup:us-west-2:123456789012:backup-vault:Default',
        RecoveryPointArn:
          'arn:aws:backup:us-west-2:123456789012:recovery-point:a1b2c3d4-5678-90ab-cdef-EXAMPLE33333',
        ResourceArn: 'arn:aws:elasticfilesystem:us-west-2:123456789012:file-system/fs-12345678',
        CreationDate: '2020-09-21T20:55:24.770Z',
        CompletionDate: '2020-09-21T20:55:44.488Z',
        State: 'COMPLETED',
        PercentDone: '100.0',
        BackupSizeInBytes: 71,
        IamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
        StartBy: '2020-09-21T21:55:24.770Z',
        ResourceType: 'EFS',
      },
    ]);
    expect(inv.copyJobs).toEqual([]);
    expect(inv.restoreJobs).toEqual([]);
    expect(inv.protectedResources).toEqual([]);
    expect(inv.restoreTestingPlans).toEqual([]);
    expect(inv.regionSettings).toEqual([
      { Region: REGION, ResourceTypeOptInPreference: { Aurora: true, RDS: true, S3: true } },
    ]);
  });

  it('collects the vault key with its aliases and every material, each key once', async () => {
    // Prepare
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.kmsKeys.map((k) => k.Arn).sort()).toEqual(
      [
        VAULT_KEY,
        'arn:aws:kms:us-east-1:123456789012:key/38db0a99-0bec-40f1-8d65-c73a1a16e83a',
        'arn:aws:kms:us-east-1:123456789012:key/k1',
      ].sort(),
    );
    expect(inv.kmsKeys.find((k) => k.Arn === VAULT_KEY)).toEqual({
      AWSAccountId: ACCOUNT,
      KeyId: '8d56db16-21c6-412f-b949-7a012e11ee6e',
      Arn: VAULT_KEY,
      CreationDate: '2025-06-02T10:43:58.931Z',
      Enabled: false,
      Description: '',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'PendingImport',
      Origin: 'EXTERNAL',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
      Aliases: ['alias/backup-vault'],
      Materials: [
        {
          KeyMaterialId: MATERIAL_ID,
          CheckValue: KCV,
          ImportState: 'PENDING_IMPORT',
          KeyMaterialState: 'CURRENT',
          ExpirationModel: 'KEY_MATERIAL_EXPIRES',
          ValidTo: '2025-06-01T00:00:00.000Z',
        },
      ],
      Managed: false,
    });
    expect(kms.commandCalls(ListAliasesCommand)).toHaveLength(1);
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(3);
    // Key policies of this account's customer-managed keys only (copies.rds-key-shared), once each.
    const asked = kms.commandCalls(GetKeyPolicyCommand).map((c) => c.args[0].input);
    expect(asked.length).toBeGreaterThan(0);
    for (const input of asked) expect(input.PolicyName).toBe('default');
    expect(new Set(asked.map((i) => i.KeyId)).size).toBe(asked.length);
  });
});

// ---------------------------------------------------------------------------------------------
// Faults: one subject's data missing, a whole listing missing
// ---------------------------------------------------------------------------------------------

const statuses = (findings: Finding[], arn: string) =>
  Object.fromEntries(
    findings
      .filter((f) => f.resourceArn === arn)
      .map((f) => [f.ruleId, f.status] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

describe('collectInventory turns failed calls into collection errors the rules report', () => {
  beforeEach(resetAccount);

  it('records AccessDenied on one bucket and still collects the rest', async () => {
    // Prepare
    s3.on(GetBucketVersioningCommand, { Bucket: VERSIONED }).rejects(
      awsError('AccessDenied', 'Access Denied', 403),
    );
    const aws = newAws();
    // Act
    const inv = await collect(aws);
    // Assess
    expect(inv.collectionErrors).toEqual([
      {
        Arn: bucketArn(VERSIONED),
        Action: 's3:GetBucketVersioning',
        Code: 'AccessDenied',
        Message: 'Access Denied',
      },
    ]);
    const a = inv.resources.find((r) => r.Arn === bucketArn(VERSIONED));
    expect(a?.Type === 'AWS::S3::Bucket' && [a.Versioning, a.LifecycleRules.length]).toEqual([{}, 1]);
    expect(inv.resources).toHaveLength(4);
    expect(inv.backupPlans).toHaveLength(2);
  });

  it('reports ERROR for the versioning rule of the denied bucket only', async () => {
    // Prepare
    s3.on(GetBucketVersioningCommand, { Bucket: VERSIONED }).rejects(
      awsError('AccessDenied', 'Access Denied', 403),
    );
    const inv: Inventory = await collect(newAws());
    // Act
    const findings = audit(inv, POLICIES, { now: NOW });
    // Assess
    const denied = findings.filter((f) => f.resourceArn === bucketArn(VERSIONED));
    expect(denied.filter((f) => f.status === 'ERROR')).toEqual([
      expect.objectContaining({
        ruleId: 's3.versioning',
        status: 'ERROR',
        message: 'could not evaluate: s3:GetBucketVersioning failed with AccessDenied (Access Denied)',
      }),
    ]);
    const others = {
      'copies.continuous-as-snapshots': 'NOT_APPLICABLE',
      'copies.cross-account-allowed': 'NOT_APPLICABLE',
      'copies.destination-accepts': 'NOT_APPLICABLE',
      'copies.recent': 'NOT_APPLICABLE',
      'coverage.backup-role-can': 'COMPLIANT',
      'coverage.policy-declared': 'COMPLIANT',
      'coverage.resource-type-opt-in': 'COMPLIANT',
      'coverage.selected': 'COMPLIANT',
      'coverage.single-plan': 'COMPLIANT',
      'recency.clean-backup': 'NOT_APPLICABLE',
      'recency.continuous-running': 'NOT_APPLICABLE',
      'recency.recovery-point': 'NON_COMPLIANT',
      'restore.covered': 'NOT_APPLICABLE',
      'restore.duration': 'NOT_APPLICABLE',
      'restore.recent-success': 'NOT_APPLICABLE',
      'restore.validated': 'NOT_APPLICABLE',
      's3.noncurrent-expiration': 'NON_COMPLIANT',
      's3.object-lock': 'NOT_APPLICABLE',
    };
    expect(statuses(findings, bucketArn(VERSIONED))).toEqual({ ...others, 's3.versioning': 'ERROR' });
    expect(statuses(findings, bucketArn(UNVERSIONED))).toEqual({
      ...others,
      's3.versioning': 'NON_COMPLIANT',
    });
    expect(findings.filter((f) => f.status === 'ERROR').map((f) => [f.ruleId, f.resourceArn])).toEqual([
      ['s3.versioning', bucketArn(VERSIONED)],
    ]);
  });

  it('reports a bucket whose location cannot be read as ERROR findings, not as nothing', async () => {
    // Prepare
    s3.on(GetBucketLocationCommand, { Bucket: UNVERSIONED }).rejects(
      awsError('AccessDenied', 'Access Denied', 403),
    );
    const inv = await collect(newAws());
    // Act
    const findings = audit(inv, POLICIES, { now: NOW });
    // Assess
    expect(inv.collectionErrors[0]).toEqual({
      Arn: bucketArn(UNVERSIONED),
      Action: 's3:GetBucketLocation',
      Code: 'AccessDenied',
      Message: 'Access Denied',
    });
    expect(inv.collectionErrors.slice(1).map((e) => [e.Arn, e.Action, e.Code])).toEqual(
      // The reads its policy needs (gold does not ask for Object Lock: s3.object-lock is N/A).
      ['s3:GetBucketVersioning', 's3:GetLifecycleConfiguration', 's3:GetEncryptionConfiguration'].map(
        (action) => [bucketArn(UNVERSIONED), action, 'BucketLocationUnknown'],
      ),
    );
    const about = findings.filter((f) => f.resourceArn === bucketArn(UNVERSIONED));
    const s3Checks = about.filter((f) => f.ruleId.startsWith('s3.') && f.status !== 'NOT_APPLICABLE');
    expect(s3Checks.length).toBeGreaterThan(0);
    expect(s3Checks.filter((f) => f.status !== 'ERROR')).toEqual([]);
    expect(about.find((f) => f.ruleId === 'coverage.policy-declared')?.status).toBe('COMPLIANT');
  });

  it("records a failed region-wide listing under '*' and ERRORs only the rules that need it", async () => {
    // Prepare
    backup
      .on(ListBackupJobsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:iam::${ACCOUNT}:user/auditor is not authorized to perform: backup:ListBackupJobs`,
        ),
      );
    // Act
    const inv = await collect(newAws());
    const findings = audit(inv, POLICIES, { now: NOW });
    // Assess
    expect(inv.collectionErrors).toEqual([
      {
        Arn: '*',
        Account: ACCOUNT,
        Region: REGION,
        Action: 'backup:ListBackupJobs',
        Code: 'AccessDeniedException',
        Message: `User: arn:aws:iam::${ACCOUNT}:user/auditor is not authorized to perform: backup:ListBackupJobs`,
      },
    ]);
    expect(inv.backupJobs).toEqual([]);
    expect(inv.recoveryPoints).toHaveLength(3);
    // The scope says what was read completely in the region, and what was not.
    const home = inv.scope?.find((e) => e.Account === ACCOUNT && e.Region === REGION);
    expect(home?.Via).toBe('home');
    expect(home?.Reads).toContain('backup:ListBackupVaults');
    expect(home?.Reads).toContain('backup:ListRecoveryPointsByBackupVault');
    expect(home?.Reads).not.toContain('backup:ListBackupJobs');
    expect(findings.filter((f) => f.status === 'ERROR').map((f) => [f.ruleId, f.resourceArn])).toEqual([
      ['recency.recovery-point', bucketArn(VERSIONED)],
      ['recency.clean-backup', bucketArn(VERSIONED)],
      ['recency.recovery-point', bucketArn(UNVERSIONED)],
      ['recency.clean-backup', bucketArn(UNVERSIONED)],
    ]);
    expect(statuses(findings, bucketArn(VERSIONED))).toMatchObject({
      's3.versioning': 'COMPLIANT',
      'recency.recovery-point': 'ERROR',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Throttling through the real SDK retry path (loopback HTTP server answering like S3)
// ---------------------------------------------------------------------------------------------

describe('Aws clients retry throttled calls', () => {
  let server: Server;
  let endpoint: string;
  let throttleFirst = 0;
  let seen: string[] = [];

  beforeAll(async () => {
    // These tests use the real S3Client.send: the mock must not intercept it.
    s3.restore();
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (
        req.method !== 'GET' ||
        url.pathname.replace(/\/$/, '') !== '/b' ||
        !url.searchParams.has('versioning')
      ) {
        res.writeHead(400, { 'content-type': 'application/xml' });
        res.end('<Error><Code>InvalidRequest</Code><Message>unexpected request</Message></Error>');
        return;
      }
      if (seen.length <= throttleFirst) {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    seen = [];
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  it('succeeds on the third attempt after two SlowDown answers, counted as one call', async () => {
    // Prepare
    throttleFirst = 2;
    const aws = new Aws({ endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    // Act
    const out = await aws
      .s3('eu-central-1')
      .send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket: 'b' }));
    // Assess
    expect(out.Status).toBe('Enabled');
    expect(out.$metadata.attempts).toBe(3);
    expect(seen).toHaveLength(3);
    expect(aws.calls.get('S3.GetBucketVersioning')).toBe(1);
  });

  it('gives up with SlowDown after maxAttempts requests', async () => {
    // Prepare
    throttleFirst = Number.POSITIVE_INFINITY;
    const aws = new Aws({
      endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 2,
    });
    // Act
    const call = aws.s3('eu-central-1').send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket: 'b' }));
    // Assess
    await expect(call).rejects.toMatchObject({
      name: 'SlowDown',
      message: 'Please reduce your request rate.',
      $metadata: { httpStatusCode: 503, attempts: 2 },
    });
    expect(seen).toHaveLength(2);
  });
});

describe('key material escrow', () => {
  beforeEach(resetAccount);
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());

  it('is read through each destination\'s reader role; one that cannot be read is an error there, never "no copy"', async () => {
    // Prepare
    const withEscrow = policySet({
      keyMaterial: { escrow: [{ account: '222222222222', region: 'eu-west-1' }] },
      policies: { gold: { plan: 'test', vault: 'Default', frequency: '1d', retentionDays: 21 } },
    });
    secrets.on(ListSecretsCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: secretsmanager:ListSecrets'), {
        name: 'AccessDeniedException',
      }),
    );
    const aws = newAws();
    const assumed: string[] = [];
    const assume = aws.assume.bind(aws);
    aws.assume = (role, region) => {
      assumed.push(`${role} ${region}`);
      return assume(role, region);
    };
    // Act
    const inv = await collectInventory(aws, {
      regions: [REGION],
      policies: withEscrow,
      now: NOW,
      windowDays: WINDOW_DAYS,
    });
    const findings = audit(inv, withEscrow, { now: NOW }).filter(
      (f) => f.ruleId === 'kms.material-replicas' && f.resourceArn === VAULT_KEY,
    );
    // Assess
    expect(assumed).toEqual([
      'arn:aws:iam::222222222222:role/backup-sentinel-escrow-reader-eu-west-1 eu-west-1',
    ]);
    expect(inv.collectionErrors).toContainEqual(
      expect.objectContaining({
        Arn: '*',
        Account: '222222222222',
        Region: 'eu-west-1',
        Action: 'secretsmanager:ListSecrets',
        Code: 'AccessDeniedException',
      }),
    );
    expect(findings.length).toBeGreaterThan(0);
    expect(
      findings.every(
        (f) =>
          f.status === 'ERROR' &&
          f.message.includes('could not evaluate the escrow in 222222222222/eu-west-1'),
      ),
    ).toBe(true);
  });
});
