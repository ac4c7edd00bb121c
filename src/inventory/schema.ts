/**
 * The Inventory: a serialisable snapshot of everything the rules read, for one account (and the
 * DR-account vaults and recovery points it could see). Field names and shapes follow the AWS API
 * responses, so a live collector is a thin mapping; dates are ISO-8601 strings; tags are maps.
 * Extra fields from the APIs are kept (loose objects) and ignored by the rules.
 */
import * as z from 'zod';

export const INVENTORY_VERSION = 1;

const date = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO-8601 date' });
const arn = z.string().startsWith('arn:', { message: 'must be an ARN' });
const tags = z.record(z.string(), z.string()).default({});

const lifecycle = z.looseObject({
  DeleteAfterDays: z.number().int().optional(),
  MoveToColdStorageAfterDays: z.number().int().optional(),
  OptInToArchiveForSupportedResources: z.boolean().optional(),
});

const base = {
  Arn: arn,
  Region: z.string(),
  AccountId: z.string(),
  Tags: tags,
};

const rdsCommon = {
  Engine: z.string(),
  BackupRetentionPeriod: z.number().int().min(0),
  DeletionProtection: z.boolean().default(false),
  CopyTagsToSnapshot: z.boolean().default(false),
  StorageEncrypted: z.boolean().default(false),
  KmsKeyId: z.string().optional(),
  DBSubnetGroupName: z.string().optional(),
};

export const dbInstanceSchema = z.looseObject({
  ...base,
  Type: z.literal('AWS::RDS::DBInstance'),
  DBInstanceIdentifier: z.string(),
  DBClusterIdentifier: z.string().optional(),
  /** Its option group (OptionGroupMemberships); default:<engine>-<version> ones need nothing elsewhere. */
  OptionGroupName: z.string().optional(),
  ...rdsCommon,
});

export const dbClusterSchema = z.looseObject({
  ...base,
  Type: z.literal('AWS::RDS::DBCluster'),
  DBClusterIdentifier: z.string(),
  ...rdsCommon,
});

const lifecycleRule = z.looseObject({
  ID: z.string().optional(),
  Status: z.enum(['Enabled', 'Disabled']),
  Filter: z.looseObject({}).optional(),
  Prefix: z.string().optional(),
  NoncurrentVersionExpiration: z
    .looseObject({
      NoncurrentDays: z.number().int().optional(),
      NewerNoncurrentVersions: z.number().int().optional(),
    })
    .optional(),
});

export const bucketSchema = z.looseObject({
  ...base,
  Type: z.literal('AWS::S3::Bucket'),
  Name: z.string(),
  Versioning: z
    .looseObject({ Status: z.enum(['Enabled', 'Suspended']).optional(), MFADelete: z.string().optional() })
    .default({}),
  /** Empty when the bucket has no lifecycle configuration (NoSuchLifecycleConfiguration). */
  LifecycleRules: z.array(lifecycleRule).default([]),
  ObjectLockConfiguration: z
    .looseObject({ ObjectLockEnabled: z.string().optional(), Rule: z.looseObject({}).optional() })
    .optional(),
  /** Settings the collector did not read (no rule needed them for its policy then), by IAM action. */
  NotRead: z.array(z.string()).optional(),
  /**
   * Where its settings were read when the AWS Config route was tried (absent: it was not; every
   * setting was read directly). aws-config: `settings` (by IAM action) came from the item captured
   * at `capturedAt`, the others were read directly; direct: `reason` Config could not serve it.
   */
  ReadFrom: z
    .discriminatedUnion('source', [
      z.looseObject({
        source: z.literal('aws-config'),
        capturedAt: date,
        recorderCheckedAt: date.optional(),
        settings: z.array(z.string()),
      }),
      z.looseObject({ source: z.literal('direct'), reason: z.string().default('') }),
    ])
    .optional(),
});

export const resourceSchema = z.discriminatedUnion('Type', [dbInstanceSchema, dbClusterSchema, bucketSchema]);

const copyAction = z.looseObject({ DestinationBackupVaultArn: arn, Lifecycle: lifecycle.optional() });

export const planRuleSchema = z.looseObject({
  RuleName: z.string(),
  RuleId: z.string().optional(),
  TargetBackupVaultName: z.string(),
  ScheduleExpression: z.string().optional(),
  /** IANA time zone of ScheduleExpression (UTC when absent). */
  ScheduleExpressionTimezone: z.string().optional(),
  StartWindowMinutes: z.number().optional(),
  CompletionWindowMinutes: z.number().optional(),
  Lifecycle: lifecycle.optional(),
  EnableContinuousBackup: z.boolean().optional(),
  CopyActions: z.array(copyAction).default([]),
});

export const backupPlanSchema = z.looseObject({
  BackupPlanId: z.string(),
  BackupPlanArn: arn,
  BackupPlanName: z.string(),
  VersionId: z.string().optional(),
  Rules: z.array(planRuleSchema),
  Tags: tags,
});

const condition = z.looseObject({ ConditionKey: z.string(), ConditionValue: z.string() });

export const backupSelectionSchema = z.looseObject({
  SelectionId: z.string(),
  SelectionName: z.string(),
  BackupPlanId: z.string(),
  IamRoleArn: z.string().optional(),
  Resources: z.array(z.string()).default([]),
  NotResources: z.array(z.string()).default([]),
  ListOfTags: z.array(condition.extend({ ConditionType: z.string().default('STRINGEQUALS') })).default([]),
  Conditions: z
    .looseObject({
      StringEquals: z.array(condition).default([]),
      StringNotEquals: z.array(condition).default([]),
      StringLike: z.array(condition).default([]),
      StringNotLike: z.array(condition).default([]),
    })
    .default({ StringEquals: [], StringNotEquals: [], StringLike: [], StringNotLike: [] }),
});

export const backupVaultSchema = z.looseObject({
  BackupVaultName: z.string(),
  BackupVaultArn: arn,
  EncryptionKeyArn: z.string().optional(),
  Locked: z.boolean().default(false),
  MinRetentionDays: z.number().int().optional(),
  MaxRetentionDays: z.number().int().optional(),
  LockDate: date.optional(),
  /** The vault access policy document as AWS returns it (a JSON string); absent when none. */
  AccessPolicy: z.string().optional(),
  Notifications: z
    .looseObject({ SNSTopicArn: z.string(), BackupVaultEvents: z.array(z.string()) })
    .optional(),
  Tags: tags,
});

export const recoveryPointSchema = z.looseObject({
  RecoveryPointArn: z.string(),
  ResourceArn: z.string(),
  ResourceType: z.string().optional(),
  BackupVaultArn: arn,
  SourceBackupVaultArn: z.string().optional(),
  CreationDate: date,
  CompletionDate: date.optional(),
  Status: z.string(),
  IsEncrypted: z.boolean().optional(),
  EncryptionKeyArn: z.string().optional(),
  Lifecycle: lifecycle.optional(),
});

const job = {
  ResourceArn: z.string(),
  ResourceType: z.string().optional(),
  State: z.string(),
  StatusMessage: z.string().optional(),
  CreationDate: date,
  CompletionDate: date.optional(),
};

export const backupJobSchema = z.looseObject({
  BackupJobId: z.string(),
  BackupVaultArn: z.string(),
  RecoveryPointArn: z.string().optional(),
  ...job,
});

export const copyJobSchema = z.looseObject({
  CopyJobId: z.string(),
  SourceBackupVaultArn: z.string(),
  SourceRecoveryPointArn: z.string().optional(),
  DestinationBackupVaultArn: z.string(),
  DestinationRecoveryPointArn: z.string().optional(),
  ...job,
});

export const restoreJobSchema = z.looseObject({
  RestoreJobId: z.string(),
  RecoveryPointArn: z.string(),
  /** Not in ListRestoreJobs; collectors fill it from the recovery point (or the restore event). */
  SourceResourceArn: z.string().optional(),
  ResourceType: z.string().optional(),
  Status: z.string(),
  StatusMessage: z.string().optional(),
  CreationDate: date,
  CompletionDate: date.optional(),
  CreatedResourceArn: z.string().optional(),
  ValidationStatus: z.string().optional(),
  ValidationStatusMessage: z.string().optional(),
  CreatedBy: z.looseObject({ RestoreTestingPlanArn: z.string().optional() }).optional(),
});

export const restoreTestingPlanSchema = z.looseObject({
  RestoreTestingPlanName: z.string(),
  RestoreTestingPlanArn: arn,
  ScheduleExpression: z.string(),
  RecoveryPointSelection: z.looseObject({
    Algorithm: z.string().optional(),
    IncludeVaults: z.array(z.string()).default([]),
    ExcludeVaults: z.array(z.string()).default([]),
    RecoveryPointTypes: z.array(z.string()).default([]),
    SelectionWindowDays: z.number().optional(),
  }),
});

const keyValue = z.looseObject({ Key: z.string(), Value: z.string() });

export const restoreTestingSelectionSchema = z.looseObject({
  /** Restore testing plans are regional and their names are not unique across regions. */
  Region: z.string(),
  RestoreTestingPlanName: z.string(),
  RestoreTestingSelectionName: z.string(),
  ProtectedResourceType: z.string(),
  ProtectedResourceArns: z.array(z.string()).default([]),
  ProtectedResourceConditions: z
    .looseObject({
      StringEquals: z.array(keyValue).default([]),
      StringNotEquals: z.array(keyValue).default([]),
    })
    .optional(),
  RestoreMetadataOverrides: z.record(z.string(), z.string()).default({}),
  ValidationWindowHours: z.number().optional(),
});

export const regionSettingsSchema = z.looseObject({
  Region: z.string(),
  ResourceTypeOptInPreference: z.record(z.string(), z.boolean()),
});

export const protectedResourceSchema = z.looseObject({
  ResourceArn: z.string(),
  ResourceType: z.string(),
  LastBackupTime: date.optional(),
});

/** One key material as ListKeyRotations (IncludeKeyMaterial=ALL_KEY_MATERIAL) lists it. */
export const keyMaterialSchema = z.looseObject({
  KeyMaterialId: z.string(),
  /** The check value the rotator imported it with (from KeyMaterialDescription); absent: not imported by backup-sentinel. */
  CheckValue: z.string().optional(),
  /** IMPORTED, or PENDING_IMPORT: expired or deleted (while any permanent material is, the key is PendingImport). */
  ImportState: z.string().default('IMPORTED'),
  /** CURRENT, NON_CURRENT, PENDING_ROTATION or PENDING_MULTI_REGION_IMPORT_AND_ROTATION. */
  KeyMaterialState: z.string().default('CURRENT'),
  ExpirationModel: z.string().optional(),
  ValidTo: date.optional(),
  RotationDate: date.optional(),
  RotationType: z.string().optional(),
});

export const kmsKeySchema = z.looseObject({
  KeyId: z.string(),
  Arn: arn,
  Enabled: z.boolean(),
  KeyState: z.string(),
  KeyManager: z.enum(['AWS', 'CUSTOMER']),
  Origin: z.string().default('AWS_KMS'),
  ExpirationModel: z.string().optional(),
  /** DescribeKey: the earliest expiry of any material permanently associated with the key. */
  ValidTo: date.optional(),
  DeletionDate: date.optional(),
  Aliases: z.array(z.string()).default([]),
  CurrentKeyMaterialId: z.string().optional(),
  /** Every material of an EXTERNAL symmetric key (absent: not read — see collectionErrors). */
  Materials: z.array(keyMaterialSchema).optional(),
  /** GetKeyPolicy (the "default" policy) of a customer-managed key of this account; absent: not read. */
  KeyPolicy: z.string().optional(),
  /** Opted in to rotation and escrow (tag `keyMaterial.optInTag`=escrow, or named in keyMaterial.keys). */
  Managed: z.boolean().default(false),
});

/** One escrow copy of a material (a secret in a destination), as read through the destination's reader role. */
export const keyMaterialReplicaSchema = z.looseObject({
  SecretArn: arn,
  KeyArn: arn,
  AccountId: z.string(),
  Region: z.string(),
  /** The check value the copy was written with (its tag). */
  CheckValue: z.string().optional(),
  /** The check value of the bytes the secret holds, recomputed when read (absent: not read). */
  ReadCheckValue: z.string().optional(),
  KeyMaterialId: z.string().optional(),
  /** The key encrypting the secret there (absent: the AWS managed aws/secretsmanager key). */
  KmsKeyId: z.string().optional(),
  /** Why the secret's resource policy is not tight (absent: tight, or not read — see collectionErrors). */
  PolicyProblem: z.string().optional(),
  DeletedDate: date.optional(),
  LastChangedDate: date.optional(),
});

/** SimulatePrincipalPolicy of the actions a backup of a resource needs, for the role its selection passes. */
export const roleCheckSchema = z.looseObject({
  RoleArn: z.string(),
  ResourceArn: z.string(),
  /** How many (action, resource) pairs were simulated. */
  Checked: z.number().int().nonnegative(),
  /** Those not allowed: implicitDeny, explicitDeny. */
  Denied: z
    .array(z.looseObject({ Action: z.string(), Resource: z.string(), Decision: z.string() }))
    .default([]),
});

/**
 * DescribeOptionGroups of one option group, by name, in one account and Region: the source
 * database's, and the same name where its copies land (option groups do not travel with copies).
 */
export const optionGroupSchema = z.looseObject({
  AccountId: z.string(),
  Region: z.string(),
  OptionGroupName: z.string(),
  /** false: DescribeOptionGroups answered OptionGroupNotFoundFault — there is none of that name there. */
  Exists: z.boolean(),
  EngineName: z.string().optional(),
  Options: z
    .array(
      z.looseObject({
        OptionName: z.string(),
        /** Cannot be removed from a DB instance once added. */
        Persistent: z.boolean().default(false),
        /** Cannot be removed from the option group. */
        Permanent: z.boolean().default(false),
      }),
    )
    .default([]),
});

/** What an account's organization and AWS Backup's global settings say (home, and each DR account read). */
export const accountSchema = z.looseObject({
  AccountId: z.string(),
  /** DescribeOrganization: the organization it belongs to (absent when NotInOrganization, or not read). */
  OrganizationId: z.string().optional(),
  ManagementAccountId: z.string().optional(),
  /** DescribeOrganization answered AWSOrganizationsNotInUseException. */
  NotInOrganization: z.boolean().default(false),
  /** DescribeGlobalSettings isCrossAccountBackupEnabled (the home account only; absent: not read). */
  CrossAccountBackupEnabled: z.boolean().optional(),
});

export const collectionErrorSchema = z.looseObject({
  /** ARN of the subject whose data is missing, or "*" when the whole call failed. */
  Arn: z.string(),
  /** For "*": the account and region the failed call was made in (absent: everywhere). */
  Account: z.string().optional(),
  Region: z.string().optional(),
  /** The IAM action that failed, e.g. "s3:GetBucketVersioning". */
  Action: z.string(),
  Code: z.string(),
  Message: z.string().default(''),
});

/**
 * What was read: one entry per (account, region) the collector looked at, with the region-wide
 * reads that succeeded completely there (every page, and every per-plan / per-vault read they
 * imply). "Absent" is concluded only inside this scope (src/inventory/scope.ts).
 */
export const scopeEntrySchema = z.looseObject({
  Account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  Region: z.string(),
  /** home: resources and AWS Backup state; destination: copy-destination vaults only; dr-role: another account's vaults, read through the DR role. */
  Via: z.enum(['home', 'destination', 'dr-role']),
  Reads: z.array(z.string()).default([]),
});

export const inventorySchema = z.looseObject({
  version: z.literal(INVENTORY_VERSION, {
    message: `must be ${INVENTORY_VERSION} (the inventory format version)`,
  }),
  capturedAt: date,
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  regions: z.array(z.string()).min(1),
  resources: z.array(resourceSchema).default([]),
  backupPlans: z.array(backupPlanSchema).default([]),
  backupSelections: z.array(backupSelectionSchema).default([]),
  backupVaults: z.array(backupVaultSchema).default([]),
  protectedResources: z.array(protectedResourceSchema).default([]),
  recoveryPoints: z.array(recoveryPointSchema).default([]),
  backupJobs: z.array(backupJobSchema).default([]),
  copyJobs: z.array(copyJobSchema).default([]),
  restoreJobs: z.array(restoreJobSchema).default([]),
  restoreTestingPlans: z.array(restoreTestingPlanSchema).default([]),
  restoreTestingSelections: z.array(restoreTestingSelectionSchema).default([]),
  regionSettings: z.array(regionSettingsSchema).default([]),
  kmsKeys: z.array(kmsKeySchema).default([]),
  accounts: z.array(accountSchema).default([]),
  roleChecks: z.array(roleCheckSchema).default([]),
  optionGroups: z.array(optionGroupSchema).default([]),
  keyMaterialReplicas: z.array(keyMaterialReplicaSchema).default([]),
  collectionErrors: z.array(collectionErrorSchema).default([]),
  /** Start of the window jobs and recovery points were listed from (absent: long enough for every policy). */
  listedSince: date.optional(),
  /** Absent in snapshots written before scopes: then the listed regions of the account count as read. */
  scope: z.array(scopeEntrySchema).optional(),
});

export type Inventory = z.output<typeof inventorySchema>;
export type InventoryInput = z.input<typeof inventorySchema>;
export type Resource = z.output<typeof resourceSchema>;
export type OptionGroup = z.output<typeof optionGroupSchema>;
export type DbInstance = z.output<typeof dbInstanceSchema>;
export type DbCluster = z.output<typeof dbClusterSchema>;
export type Bucket = z.output<typeof bucketSchema>;
export type BackupPlan = z.output<typeof backupPlanSchema>;
export type PlanRule = z.output<typeof planRuleSchema>;
export type BackupSelection = z.output<typeof backupSelectionSchema>;
export type BackupVault = z.output<typeof backupVaultSchema>;
export type RecoveryPoint = z.output<typeof recoveryPointSchema>;
export type CopyJob = z.output<typeof copyJobSchema>;
export type RestoreJob = z.output<typeof restoreJobSchema>;
export type RestoreTestingPlan = z.output<typeof restoreTestingPlanSchema>;
export type RestoreTestingSelection = z.output<typeof restoreTestingSelectionSchema>;
export type KmsKey = z.output<typeof kmsKeySchema>;
export type AccountInfo = z.output<typeof accountSchema>;
export type ScopeEntry = z.output<typeof scopeEntrySchema>;
export type CollectionError = z.output<typeof collectionErrorSchema>;
export type ProtectedResource = z.output<typeof protectedResourceSchema>;
export type ResourceType = Resource['Type'];
