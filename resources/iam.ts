/**
 * One least-privilege role per function, from src/iam.ts (actions derived from the rules).
 * Reads go on "*"; every write is granted only on what the policies name or the tool owns, with
 * the conditions AWS offers. A write with no scope here fails `serverless package`, so a new fix
 * cannot silently land on "*". What AWS offers no scoping for is listed in UNSCOPABLE_WRITES and
 * its blast radius explained in resources/README.md.
 */
import { type FunctionName, functionActions } from '../src/iam.js';
import { BACKUP_ROLE_NAMES } from '../src/remediation/backup-roles.js';
import { OWNER_TAG } from '../src/remediation/step.js';

const LOGICAL: Record<FunctionName, string> = {
  onResourceChange: 'OnResourceChange',
  configRule: 'ConfigRule',
  sweep: 'Sweep',
  onBackupEvent: 'OnBackupEvent',
  rotateKeyMaterial: 'RotateKeyMaterial',
  validateRestore: 'ValidateRestore',
};

export function roleName(fn: FunctionName): string {
  return `${LOGICAL[fn]}Role`;
}

/** Writes that name one vault: granted on the policies' vaults only. */
export const VAULT_WRITES = [
  'backup:CreateBackupVault',
  'backup:PutBackupVaultAccessPolicy',
  'backup:PutBackupVaultLockConfiguration',
  'backup:PutBackupVaultNotifications',
];

/** KMS calls AWS Backup makes with the caller's permissions when it creates a vault on a CMK. */
export const VAULT_KEY_WRITES = ['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:RetireGrant'];

/**
 * Writes AWS offers no resource or condition scoping for (Service Authorization Reference: no
 * resource type), with the reason. resources/README.md states what each lets the role do.
 */
export const UNSCOPABLE_WRITES: Record<string, string> = {
  'backup:UpdateRegionSettings': 'account-and-Region setting, no resource type',
  'backup-storage:MountCapsule': 'made by CreateBackupVault, no resource type',
  'config:PutEvaluations': 'no resource type; the result token ties it to the invoking rule',
  'backup:PutRestoreValidationResult':
    'no resource type or condition key; names one restore job of this account by id (validateRestore)',
};

/** The DR read role the functions assume in each DR account the policies copy to. */
export const DR_READ_ROLE = 'backup-sentinel-dr-read';

/** The default backup role: the one AWS Backup creates in each account. */
export const DEFAULT_BACKUP_ROLE = {
  'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/AWSBackupDefaultServiceRole',
};

/** The condition (serverless.ts) that holds when the stack is deployed with backupRoles=template. */
export const USES_BACKUP_ROLE_TEMPLATE = 'UsesBackupRoleTemplate';

/** The seven roles resources/backup-roles.yml creates in this account and Region. */
export const TEMPLATE_BACKUP_ROLES = Object.values(BACKUP_ROLE_NAMES).map((name) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}-\${AWS::Region}`,
}));

export interface RoleScope {
  /** The vaults the policies name (vault writes are granted on these only). */
  vaultNames: string[];
  /** The other accounts the policies copy to (sts:AssumeRole only on their DR read role). */
  drAccounts: string[];
  /** The tag naming a resource's policy, its values (the policy names) and the audit-only tag. */
  tagKey: string;
  policyNames: string[];
  remediateTagKey: string;
  /** Customer-managed keys vaults are created with (encryption.vaultKeyArn). */
  vaultKeyArns: string[];
  /**
   * The one role selections and restore tests hand to AWS Backup (a CloudFormation value) when
   * the stack is not deployed with backupRoles=template; with it, they hand the template's roles.
   */
  backupRoleArn: unknown;
  /** The Slack webhook secret's ARN pattern (a CloudFormation value), or none. */
  slackSecretArn?: unknown;
  /** keyMaterial: the roles of the escrow destinations, the keys named, the opt-in tag. */
  escrowWriterRoleArns?: string[];
  escrowReaderRoleArns?: string[];
  managedKeyArns?: string[];
  keyOptInTag?: string;
}

/** Reads of things that are not the audit's business on "*": granted on one resource only. */
const SCOPED_READS = new Set([
  'secretsmanager:GetSecretValue',
  'dynamodb:GetItem',
  'dynamodb:Scan',
  // Not a read: the wrapping key and token of an import, granted on the managed keys only.
  'kms:GetParametersForImport',
  // The object keys of a bucket are its data's names, not the audit's business: the buckets of
  // this account only, for the restore validator.
  's3:ListBucket',
]);

/** Reads not named Get/List/Describe: AWS Config's advanced query (the Config route for buckets). */
const OTHER_READS = new Set(['config:SelectResourceConfig']);

/** Get*, List*, Describe* and OTHER_READS: granted on "*" (read-only; what the audit must see), but SCOPED_READS. */
export const isRead = (action: string) =>
  (/^[a-z0-9-]+:(Get|List|Describe)/.test(action) || OTHER_READS.has(action)) && !SCOPED_READS.has(action);

const sub = (s: string) => ({ 'Fn::Sub': s });
const here = (resource: string) => sub(`arn:\${AWS::Partition}:${resource}`);
const owned = (kind: 'Request' | 'Resource') => ({
  StringEquals: { [`aws:${kind}Tag/${OWNER_TAG.key}`]: OWNER_TAG.value },
});
const PLANS = here('backup:${AWS::Region}:${AWS::AccountId}:backup-plan:*');
/** Restore testing plan ARNs end in <name>-<id>; ours are named backup_sentinel_<policy>. */
const RESTORE_TESTING_PLANS = here(
  'backup:${AWS::Region}:${AWS::AccountId}:restore-testing-plan:backup_sentinel_*',
);

interface Grant {
  Sid: string;
  actions: string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  /** Only these functions get it (absent: every function whose code calls the actions). */
  only?: FunctionName[];
}

const AUDITORS: FunctionName[] = ['onResourceChange', 'configRule', 'sweep'];

/** Every write the functions may make, each on the narrowest resource and condition AWS supports. */
function writeGrants(s: RoleScope): Grant[] {
  // Any Region: a policy's same-account copy vaults live in other Regions than the function.
  const vaults = s.vaultNames.map((name) => here(`backup:*:\${AWS::AccountId}:backup-vault:${name}`));
  const database = {
    StringEquals: { [`aws:ResourceTag/${s.tagKey}`]: s.policyNames },
    StringNotEqualsIgnoreCase: { [`aws:ResourceTag/${s.remediateTagKey}`]: 'false' },
  };
  return [
    { Sid: 'PolicyVaults', actions: VAULT_WRITES, Resource: vaults },
    {
      // CreateBackupVault/Plan/RestoreTestingPlan with tags also need TagResource: only our tag.
      Sid: 'TagWhatItCreates',
      actions: ['backup:TagResource'],
      Resource: [...vaults, PLANS, RESTORE_TESTING_PLANS],
      Condition: {
        ...owned('Request'),
        'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG.key] },
      },
    },
    {
      Sid: 'CreateOwnPlans',
      actions: ['backup:CreateBackupPlan', 'backup:CreateRestoreTestingPlan'],
      Resource: [PLANS, RESTORE_TESTING_PLANS],
      Condition: owned('Request'),
    },
    {
      Sid: 'ChangeOwnPlans',
      actions: ['backup:UpdateBackupPlan', 'backup:CreateBackupSelection'],
      Resource: PLANS,
      Condition: owned('Resource'),
    },
    {
      Sid: 'ChangeOwnRestoreTesting',
      actions: ['backup:CreateRestoreTestingSelection'],
      Resource: RESTORE_TESTING_PLANS,
    },
    {
      // Only databases that carry a policy tag and are not audit-only.
      Sid: 'PolicyDatabases',
      actions: ['rds:ModifyDBInstance'],
      Resource: here('rds:${AWS::Region}:${AWS::AccountId}:db:*'),
      Condition: database,
    },
    {
      Sid: 'PolicyClusters',
      actions: ['rds:ModifyDBCluster'],
      Resource: here('rds:${AWS::Region}:${AWS::AccountId}:cluster:*'),
      Condition: database,
    },
    {
      // S3 offers no tag condition on bucket writes without bucket ABAC: this account's buckets.
      Sid: 'AccountBuckets',
      actions: ['s3:PutBucketVersioning', 's3:PutLifecycleConfiguration'],
      Resource: here('s3:::*'),
      Condition: { StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } },
    },
    {
      Sid: 'VaultKeys',
      actions: VAULT_KEY_WRITES,
      Resource: s.vaultKeyArns,
      Condition: { StringEquals: { 'kms:ViaService': sub('backup.${AWS::Region}.amazonaws.com') } },
    },
    {
      // Exactly the roles the executor passes (src/remediation/backup-roles.ts), by deploy parameter.
      Sid: 'PassBackupRole',
      actions: ['iam:PassRole'],
      Resource: { 'Fn::If': [USES_BACKUP_ROLE_TEMPLATE, TEMPLATE_BACKUP_ROLES, s.backupRoleArn] },
      Condition: {
        StringEquals: {
          'iam:PassedToService': ['backup.amazonaws.com', 'restore-testing.backup.amazonaws.com'],
        },
      },
    },
    { Sid: 'Digest', actions: ['sns:Publish'], Resource: { Ref: 'AlertTopic' } },
    {
      Sid: 'Incidents',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
      Resource: { 'Fn::GetAtt': ['IncidentTable', 'Arn'] },
    },
    {
      Sid: 'SlackWebhookSecret',
      actions: ['secretsmanager:GetSecretValue'],
      Resource: s.slackSecretArn === undefined ? [] : [s.slackSecretArn],
    },
    {
      Sid: 'ReadDrAccount',
      actions: ['sts:AssumeRole'],
      Resource: s.drAccounts.map((account) =>
        sub(`arn:\${AWS::Partition}:iam::${account}:role/${DR_READ_ROLE}`),
      ),
      only: AUDITORS,
    },
    {
      // coverage.backup-role-can: what the roles selections pass to AWS Backup may do (a read in effect).
      Sid: 'SimulateBackupRoles',
      actions: ['iam:SimulatePrincipalPolicy'],
      Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'),
      only: AUDITORS,
    },
    {
      // The escrow copies are verified through each destination's reader role.
      Sid: 'ReadEscrow',
      actions: ['sts:AssumeRole'],
      Resource: s.escrowReaderRoleArns ?? [],
      only: AUDITORS,
    },
    {
      // Only the rotator writes the escrow, through each destination's writer role.
      Sid: 'WriteEscrow',
      actions: ['sts:AssumeRole'],
      Resource: s.escrowWriterRoleArns ?? [],
      only: ['rotateKeyMaterial'],
    },
    {
      // Import into and rotate the keys named in keyMaterial.keys ...
      Sid: 'NamedKeys',
      actions: ['kms:GetParametersForImport', 'kms:ImportKeyMaterial', 'kms:RotateKeyOnDemand'],
      Resource: s.managedKeyArns ?? [],
      only: ['rotateKeyMaterial'],
    },
    {
      // ... and those of this account opted in by tag (multi-Region replicas too: tag them as well).
      Sid: 'OptedInKeys',
      actions: ['kms:GetParametersForImport', 'kms:ImportKeyMaterial', 'kms:RotateKeyOnDemand'],
      Resource: here('kms:*:${AWS::AccountId}:key/*'),
      Condition: {
        StringEquals: { [`aws:ResourceTag/${s.keyOptInTag ?? 'backup:key-material'}`]: 'escrow' },
      },
      only: ['rotateKeyMaterial'],
    },
    {
      // Restore validation lists the restored (awsbackup-restore-test-*) and the source bucket, both
      // of this account; S3 offers no tag condition on ListBucket without bucket ABAC.
      Sid: 'ListValidatedBuckets',
      actions: ['s3:ListBucket'],
      Resource: here('s3:::*'),
      Condition: { StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } },
      only: ['validateRestore'],
    },
    { Sid: 'Unscopable', actions: Object.keys(UNSCOPABLE_WRITES), Resource: '*' },
  ];
}

/** A grant with nothing to grant on (no DR account, no vault key) grants nothing: dropped. */
const grantsNothing = (g: Grant) => Array.isArray(g.Resource) && g.Resource.length === 0;

/** The statements of one function's role; throws when a write it needs has no scope here. */
export function statementsFor(
  fn: FunctionName,
  scope: RoleScope,
  actions: string[] = functionActions(fn),
): Record<string, unknown>[] {
  const grants = writeGrants(scope).filter((g) => !g.only || g.only.includes(fn));
  const unscoped = actions.filter((a) => !isRead(a) && !grants.some((g) => g.actions.includes(a)));
  if (unscoped.length)
    throw new Error(`no scope for write actions ${unscoped.join(', ')}: add them to resources/iam.ts`);
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: sub(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/backup-sentinel-\${sls:stage}-${fn}:*`,
      ),
    },
    ...(actions.some(isRead)
      ? [{ Sid: 'Audit', Effect: 'Allow', Action: actions.filter(isRead), Resource: '*' }]
      : []),
    {
      Sid: 'FailedEvents',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] },
    },
  ];
  if (actions.includes('sns:Publish')) {
    // Publishing to the encrypted alert topic uses its key, through SNS only.
    statements.push({
      Sid: 'AlertTopicKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': ['AlertTopicKey', 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': sub('sns.${AWS::Region}.amazonaws.com') } },
    });
  }
  for (const g of grants) {
    const granted = g.actions.filter((a) => actions.includes(a));
    if (granted.length === 0 || grantsNothing(g)) continue;
    statements.push({
      Sid: g.Sid,
      Effect: 'Allow',
      Action: granted,
      Resource: g.Resource,
      ...(g.Condition ? { Condition: g.Condition } : {}),
    });
  }
  return statements;
}

function role(fn: FunctionName, scope: RoleScope) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: sub(`backup-sentinel-\${sls:stage}-\${AWS::Region}-${fn}`),
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: `backup-sentinel-${fn}`,
          PolicyDocument: { Version: '2012-10-17', Statement: statementsFor(fn, scope) },
        },
      ],
    },
  };
}

/** The six roles. */
export function roles(scope: RoleScope) {
  return {
    [roleName('onResourceChange')]: role('onResourceChange', scope),
    [roleName('configRule')]: role('configRule', scope),
    [roleName('sweep')]: role('sweep', scope),
    [roleName('onBackupEvent')]: role('onBackupEvent', scope),
    [roleName('rotateKeyMaterial')]: role('rotateKeyMaterial', scope),
    [roleName('validateRestore')]: role('validateRestore', scope),
  };
}
