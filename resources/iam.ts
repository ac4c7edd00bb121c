/** One least-privilege role per function, from src/iam.ts (actions derived from the rules). */
import { type FunctionName, functionActions } from '../src/iam.js';

const LOGICAL: Record<FunctionName, string> = {
  onResourceChange: 'OnResourceChange',
  configRule: 'ConfigRule',
  sweep: 'Sweep',
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

/** Roles AWS Backup may be handed: the account's default service role or ours (backup-sentinel-*). */
const PASSABLE_ROLES = [
  { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/AWSBackupDefaultServiceRole' },
  { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/backup-sentinel-*' },
];

/** The DR read role the functions assume in each DR account the policies copy to. */
export const DR_READ_ROLE = 'backup-sentinel-dr-read';

export interface RoleScope {
  /** The vaults the policies name (vault writes are granted on these only). */
  vaultNames: string[];
  /** The other accounts the policies copy to (sts:AssumeRole only on their DR read role). */
  drAccounts: string[];
}

function role(fn: FunctionName, { vaultNames, drAccounts }: RoleScope) {
  const actions = functionActions(fn).filter((a) => a !== 'sts:AssumeRole' || drAccounts.length > 0);
  const scoped = ['sts:AssumeRole', 'iam:PassRole', 'sns:Publish', ...VAULT_WRITES];
  const assume = actions.filter((a) => a === 'sts:AssumeRole');
  const passRole = actions.filter((a) => a === 'iam:PassRole');
  const publish = actions.filter((a) => a === 'sns:Publish');
  const vaultWrites = actions.filter((a) => VAULT_WRITES.includes(a));
  const rest = actions.filter((a) => !scoped.includes(a));
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: {
        'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/backup-sentinel-\${sls:stage}-${fn}:*`,
      },
    },
    { Sid: 'Audit', Effect: 'Allow', Action: rest, Resource: '*' },
    {
      Sid: 'FailedEvents',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] },
    },
  ];
  if (vaultWrites.length) {
    statements.push({
      Sid: 'PolicyVaults',
      Effect: 'Allow',
      Action: vaultWrites,
      Resource: vaultNames.map((name) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:backup:\${AWS::Region}:\${AWS::AccountId}:backup-vault:${name}`,
      })),
    });
  }
  if (passRole.length) {
    statements.push({
      Sid: 'PassBackupRole',
      Effect: 'Allow',
      Action: passRole,
      Resource: PASSABLE_ROLES,
      Condition: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
    });
  }
  if (publish.length)
    statements.push({ Sid: 'Digest', Effect: 'Allow', Action: publish, Resource: { Ref: 'AlertTopic' } });
  if (assume.length) {
    statements.push({
      Sid: 'ReadDrAccount',
      Effect: 'Allow',
      Action: assume,
      Resource: drAccounts.map((account) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/${DR_READ_ROLE}`,
      })),
    });
  }
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: { 'Fn::Sub': `backup-sentinel-\${sls:stage}-\${AWS::Region}-${fn}` },
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: `backup-sentinel-${fn}`,
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}

/** The three roles; vault writes only on the policies' vaults, AssumeRole only into their DR accounts. */
export function roles(scope: RoleScope) {
  return {
    [roleName('onResourceChange')]: role('onResourceChange', scope),
    [roleName('configRule')]: role('configRule', scope),
    [roleName('sweep')]: role('sweep', scope),
  };
}
