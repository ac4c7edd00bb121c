/**
 * Serverless Framework (osls) configuration: config only. The functions live in functions/, their
 * CloudFormation (one least-privilege role each, the Config rule, topic, queue) in resources/.
 * The policy file is validated here, so a bad policies.yml fails `serverless package`, and it is
 * inlined into the bundles.
 */
import { readFileSync } from 'node:fs';
import { CONFIG_RULE_NAME, resources } from './resources/app.js';
import {
  DEFAULT_BACKUP_ROLE,
  type RoleScope,
  roleName,
  roles,
  USES_BACKUP_ROLE_TEMPLATE,
} from './resources/iam.js';
import { BACKUP_CALLS, RDS_CALLS, S3_CALLS, VAULT_DRIFT_CALLS } from './src/app/events.js';
import { KMS_CALLS } from './src/app/keys.js';
import { parsePolicies } from './src/policy/index.js';

const policyFile = process.env.BACKUP_SENTINEL_POLICIES ?? 'policies.yml';
const policyText = readFileSync(policyFile, 'utf8');
const policySet = parsePolicies(policyText, policyFile);
/** The parsed policies as JSON; a value JSON cannot carry (a non-finite number) fails the build. */
const policySetJson = JSON.stringify(policySet, (key, v) => {
  if (typeof v === 'number' && !Number.isFinite(v))
    throw new Error(`${policyFile}: ${key} is ${v}, which cannot be inlined into the functions`);
  return v;
});
// The vaults the policies back up to, and copy to within this account (any Region).
const vaultNames = [
  ...new Set(
    Object.values(policySet.policies).flatMap((p) => [
      p.vaultName,
      ...p.copies.flatMap((c) => (c.account ? [] : [c.vault ?? p.vaultName])),
    ]),
  ),
].sort();
// The other accounts copies go to: the functions may assume the DR read role there, nowhere else.
const drAccounts = [
  ...new Set(
    Object.values(policySet.policies).flatMap((p) => p.copies.flatMap((c) => (c.account ? [c.account] : []))),
  ),
].sort();
const policies = Object.values(policySet.policies);
const keyMaterial = policySet.keyMaterial;
// The one role selections and restore tests hand to AWS Backup without backupRoles=template: the
// parameter, else the default.
const backupRoleArn = { 'Fn::If': ['HasBackupRoleArn', { Ref: 'BackupRoleArn' }, DEFAULT_BACKUP_ROLE] };
// The Slack incoming-webhook URL lives in Secrets Manager under this name; none there: no Slack.
const slackSecretName = "${param:slackSecretName, 'backup-sentinel/${sls:stage}/slack-webhook'}";
const scope: RoleScope = {
  vaultNames,
  drAccounts,
  tagKey: policySet.tagKey,
  policyNames: policies.map((p) => p.name).sort(),
  remediateTagKey: policySet.remediateTagKey,
  vaultKeyArns: [...new Set(policies.flatMap((p) => p.encryption.vaultKeyArn ?? []))].sort(),
  backupRoleArn,
  // Secrets Manager appends six random characters to a secret's ARN.
  escrowWriterRoleArns: keyMaterial.escrow.map((d) => d.writerRoleArn).sort(),
  escrowReaderRoleArns: keyMaterial.escrow.map((d) => d.readerRoleArn).sort(),
  managedKeyArns: [...keyMaterial.keys].sort(),
  keyOptInTag: keyMaterial.optInTag,
  slackSecretArn: {
    'Fn::Sub': [
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Name}-??????',
      { Name: slackSecretName },
    ],
  },
};
/** What the functions that send alerts need to know. */
const alerting = {
  INCIDENT_TABLE: { Ref: 'IncidentTable' },
  ALERT_WINDOW_MINUTES: "${param:alertWindowMinutes, '360'}",
  ALERT_MIN_SEVERITY: "${param:alertMinSeverity, 'medium'}",
  SLACK_SECRET_ID: slackSecretName,
};

const failures = { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] } } };

const config = {
  service: 'backup-sentinel',
  frameworkVersion: '4',
  plugins: ['serverless-esbuild'],
  provider: {
    name: 'aws',
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    stage: "${opt:stage, 'prod'}",
    region: "${opt:region, 'eu-central-1'}",
    memorySize: 512,
    timeout: 60,
    logRetentionInDays: 30,
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'backup-sentinel',
      REMEDIATION_MODE: "${param:remediationMode, 'dry-run'}",
      MAX_CHANGES: "${param:maxChanges, '20'}",
      READ_FROM: "${param:readFrom, 'auto'}",
      ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
      VAULT_EVENTS_TOPIC_ARN: { Ref: 'VaultEventsTopic' },
      BACKUP_ROLE_ARN: backupRoleArn,
      // The same parameter decides the PassRole grant (resources/iam.ts): the two cannot disagree.
      BACKUP_ROLES: { Ref: 'BackupRoles' },
      DR_ROLE_ARN: "${param:drRoleArn, ''}",
      // Our own changes come back as CloudTrail events: recognised by these exact roles.
      OWN_ROLE_ARNS: {
        'Fn::Join': [
          ',',
          (
            [
              'onResourceChange',
              'configRule',
              'sweep',
              'onBackupEvent',
              'rotateKeyMaterial',
              'validateRestore',
            ] as const
          ).map((fn) => ({
            'Fn::GetAtt': [roleName(fn), 'Arn'],
          })),
        ],
      },
    },
  },
  package: { individually: true },
  custom: {
    esbuild: {
      bundle: true,
      minify: true,
      sourcemap: false,
      target: 'node22',
      platform: 'node',
      format: 'esm',
      outputFileExtension: '.mjs',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
      // Validated here, inlined as data: the functions start without parsing YAML.
      define: { __BACKUP_SENTINEL_POLICY_SET__: policySetJson },
      // The nodejs22.x runtime provides AWS SDK v3: not bundled, which keeps each zip small.
      exclude: ['@aws-sdk/*'],
      skipRebuild: true,
    },
  },
  functions: {
    onResourceChange: {
      handler: 'functions/on-resource-change/handler.handler',
      role: roleName('onResourceChange'),
      // A change to a backup plan triggers a sweep of the region from here.
      timeout: 900,
      memorySize: 1024,
      // One at a time: bursts of events for one change must not heal the same thing concurrently.
      reservedConcurrency: 1,
      destinations: failures,
      events: [
        {
          eventBridge: {
            pattern: {
              source: ['aws.rds'],
              'detail-type': ['RDS DB Instance Event', 'RDS DB Cluster Event'],
            },
          },
        },
        {
          eventBridge: {
            pattern: {
              source: ['aws.s3', 'aws.rds', 'aws.backup'],
              'detail-type': ['AWS API Call via CloudTrail'],
              detail: {
                eventSource: ['s3.amazonaws.com', 'rds.amazonaws.com', 'backup.amazonaws.com'],
                // Only the write calls that change what we audit (not every object or snapshot call).
                eventName: [...S3_CALLS, ...RDS_CALLS, ...BACKUP_CALLS],
              },
            },
          },
        },
        {
          eventBridge: {
            pattern: {
              source: ['aws.tag'],
              'detail-type': ['Tag Change on Resource'],
              detail: { service: ['rds', 's3'] },
            },
          },
        },
      ],
    },
    configRule: {
      handler: 'functions/config-rule/handler.handler',
      role: roleName('configRule'),
      environment: { CONFIG_RULE_NAME: CONFIG_RULE_NAME },
      timeout: 300,
      destinations: failures,
    },
    onBackupEvent: {
      handler: 'functions/on-backup-event/handler.handler',
      role: roleName('onBackupEvent'),
      // Slack's Retry-After is honoured up to 30 s, four attempts: the SNS alert is sent first.
      timeout: 180,
      environment: alerting,
      destinations: failures,
      events: [
        {
          eventBridge: {
            pattern: {
              source: ['aws.backup'],
              'detail-type': [
                'Backup Job State Change',
                'Copy Job State Change',
                'Restore Job State Change',
                'Recovery Point State Change',
                'Backup Vault State Change',
              ],
            },
          },
        },
        {
          eventBridge: {
            pattern: {
              source: ['aws.backup'],
              'detail-type': ['AWS API Call via CloudTrail'],
              detail: { eventSource: ['backup.amazonaws.com'], eventName: VAULT_DRIFT_CALLS },
            },
          },
        },
        { sns: { arn: { Ref: 'VaultEventsTopic' }, topicName: 'backup-sentinel-${sls:stage}-vault-events' } },
      ],
    },
    rotateKeyMaterial: {
      handler: 'functions/rotate-key-material/handler.handler',
      role: roleName('rotateKeyMaterial'),
      environment: { ...alerting, KEY_ROTATION_MODE: "${param:keyRotationMode, 'on'}" },
      timeout: 300,
      // One run at a time: two would each escrow and import new material for the same key.
      reservedConcurrency: 1,
      destinations: failures,
      events: [
        { schedule: 'rate(1 day)' },
        {
          // The first run: when this stack is deployed (keys waiting in PendingImport get material).
          eventBridge: {
            pattern: {
              source: ['aws.cloudformation'],
              'detail-type': ['CloudFormation Stack Status Change'],
              detail: {
                'stack-id': [
                  {
                    prefix: {
                      'Fn::Sub':
                        'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/backup-sentinel-${sls:stage}/',
                    },
                  },
                ],
                'status-details': { status: ['CREATE_COMPLETE', 'UPDATE_COMPLETE'] },
              },
            },
          },
        },
        {
          // A key created for imported material, opted in by tag, or replicated.
          eventBridge: {
            pattern: {
              source: ['aws.kms'],
              'detail-type': ['AWS API Call via CloudTrail'],
              detail: { eventSource: ['kms.amazonaws.com'], eventName: KMS_CALLS },
            },
          },
        },
      ],
    },
    validateRestore: {
      handler: 'functions/validate-restore/handler.handler',
      role: roleName('validateRestore'),
      // on: answers PutRestoreValidationResult; dry-run: logs the verdict only; off: does nothing.
      environment: { RESTORE_VALIDATION: "${param:restoreValidation, 'on'}" },
      // Two bounded bucket listings, or a database waited for while it settles (about a minute).
      timeout: 180,
      destinations: failures,
      events: [
        {
          // The event names no restore testing plan: the function reads the job and answers only
          // restore tests (CreatedBy.RestoreTestingPlanArn) not yet validated.
          eventBridge: {
            pattern: {
              source: ['aws.backup'],
              'detail-type': ['Restore Job State Change'],
              detail: { status: ['COMPLETED'] },
            },
          },
        },
      ],
    },
    sweep: {
      handler: 'functions/sweep/handler.handler',
      role: roleName('sweep'),
      environment: alerting,
      timeout: 900,
      reservedConcurrency: 1,
      memorySize: 1024,
      destinations: failures,
      events: [{ schedule: 'rate(1 day)' }],
    },
  },
  resources: {
    Parameters: {
      BackupRoleArn: {
        Type: 'String',
        Default: "${param:backupRoleArn, ''}",
        AllowedPattern: '^$|^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$',
        Description:
          'Role AWS Backup uses for the selections and restore tests backup-sentinel creates (empty: AWSBackupDefaultServiceRole)',
      },
      BackupRoles: {
        Type: 'String',
        Default: "${param:backupRoles, 'none'}",
        AllowedValues: ['none', 'template'],
        Description:
          'template: resources/backup-roles.yml is deployed in this account and Region, and each selection and restore test backup-sentinel creates gets its role from it (BackupRoleArn is then not used); none: the one BackupRoleArn',
      },
    },
    Conditions: {
      HasBackupRoleArn: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BackupRoleArn' }, ''] }] },
      [USES_BACKUP_ROLE_TEMPLATE]: { 'Fn::Equals': [{ Ref: 'BackupRoles' }, 'template'] },
    },
    Resources: { ...roles(scope), ...resources },
  },
};

module.exports = config;
