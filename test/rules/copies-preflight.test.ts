/**
 * Cross-account copy preflight: each rule compliant, non-compliant and cannot-read, on the real
 * response shapes (KMS GetKeyPolicy, Organizations DescribeOrganization, a vault access policy
 * as AWS Backup's guide writes it). Which side each verdict rests on is in its message.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { grantFor } from '../../src/rules/policy-doc.js';
import {
  ACCOUNT,
  DR_ACCOUNT,
  db,
  findings,
  inventory,
  key,
  policies,
  REGION,
  scopeOf,
  vault,
  vaultArnOf,
} from '../support/builders.js';

const api = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/api/${name}`, 'utf8'));
const ORG = api('organizations_DescribeOrganization_awscli.json').Organization as {
  Id: string;
  MasterAccountId: string;
};
/** The published default key policy (botocore example), for this account: only the account itself. */
const DEFAULT_KEY_POLICY = (api('kms_GetKeyPolicy_botocore.json').Policy as string).replaceAll(
  '111122223333',
  ACCOUNT,
);
const SHARED_KEY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    ...JSON.parse(DEFAULT_KEY_POLICY).Statement,
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${DR_ACCOUNT}:root` },
      Action: [
        'kms:CreateGrant',
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:DescribeKey',
      ],
      Resource: '*',
    },
  ],
});
/** The vault access policy AWS's cross-account copy guidance shows, for the source account. */
const ACCEPTS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'backup:CopyIntoBackupVault',
      Resource: '*',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    },
  ],
});
const ACCEPTS_ORG = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'backup:CopyIntoBackupVault',
      Resource: '*',
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': [ORG.Id] } },
    },
  ],
});

const DR_VAULT = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
const DR_KEY = `arn:aws:kms:${REGION}:${DR_ACCOUNT}:key/dr-cmk`;
const set = policies({ policies: { gold: { copies: [{ account: DR_ACCOUNT, vault: 'dr-vault' }] } } });
const CMK = key('db-cmk', { KeyPolicy: SHARED_KEY_POLICY });
const member = (account: string, over: Record<string, unknown> = {}) => ({
  AccountId: account,
  OrganizationId: ORG.Id,
  ManagementAccountId: ORG.MasterAccountId,
  ...over,
});
/** An account shaped like a user's: a database copying to the DR account, everything in order. */
const account = (over: Partial<InventoryInput> = {}) =>
  inventory({
    resources: [db('orders', { KmsKeyId: CMK.Arn, StorageEncrypted: true })],
    backupVaults: [
      vault('dr-vault', { BackupVaultArn: DR_VAULT, EncryptionKeyArn: DR_KEY, AccessPolicy: ACCEPTS }),
    ],
    kmsKeys: [CMK, { ...key('dr-cmk'), Arn: DR_KEY }],
    accounts: [member(ACCOUNT, { CrossAccountBackupEnabled: true }), member(DR_ACCOUNT)],
    scope: scopeOf({ account: DR_ACCOUNT }),
    ...over,
  });
const DB = 'arn:aws:rds:eu-central-1:111111111111:db:orders';
const verdict = (rule: string, inv = account()) =>
  findings(rule, inv, set, DB).map((f) => [f.status, f.message]);

describe('copies.cross-account-allowed', () => {
  it('is compliant when both accounts are in one organization with cross-account backup on', () => {
    expect(verdict('copies.cross-account-allowed')).toEqual([
      [
        'COMPLIANT',
        `source (${ACCOUNT}) and destination (${DR_ACCOUNT}) are both in ${ORG.Id}, cross-account backup on`,
      ],
    ]);
  });

  it('flags another organization, no organization, and the setting off', () => {
    const other = account({
      accounts: [
        member(ACCOUNT, { CrossAccountBackupEnabled: true }),
        member(DR_ACCOUNT, { OrganizationId: 'o-other' }),
      ],
    });
    expect(verdict('copies.cross-account-allowed', other)[0]?.[1]).toContain(
      '"Both source and destination account must be a member of the same organization"',
    );
    const alone = account({ accounts: [{ AccountId: ACCOUNT, NotInOrganization: true }] });
    expect(verdict('copies.cross-account-allowed', alone)).toEqual([
      [
        'NON_COMPLIANT',
        `the source account ${ACCOUNT} is in no AWS Organizations organization: AWS Backup copies only between accounts of one organization`,
      ],
    ]);
    const off = account({
      accounts: [member(ACCOUNT, { CrossAccountBackupEnabled: false }), member(DR_ACCOUNT)],
    });
    expect(verdict('copies.cross-account-allowed', off)[0]?.[1]).toContain(
      'cross-account backup is turned off for the organization',
    );
  });

  it('says which side could not be read', () => {
    const denied = account({
      accounts: [member(ACCOUNT, { CrossAccountBackupEnabled: true })],
      collectionErrors: [
        {
          Arn: '*',
          Account: DR_ACCOUNT,
          Region: REGION,
          Action: 'organizations:DescribeOrganization',
          Code: 'AccessDeniedException',
          Message: '',
        },
      ],
    });
    expect(verdict('copies.cross-account-allowed', denied)).toEqual([
      [
        'ERROR',
        `could not evaluate the destination side (${DR_ACCOUNT}): organizations:DescribeOrganization failed with AccessDeniedException through the DR role`,
      ],
    ]);
    const noDrRole = account({
      accounts: [member(ACCOUNT, { CrossAccountBackupEnabled: true })],
      scope: scopeOf(),
    });
    expect(verdict('copies.cross-account-allowed', noDrRole)[0]?.[0]).toBe('ERROR');
    const settings = account({ accounts: [member(ACCOUNT), member(DR_ACCOUNT)] });
    expect(verdict('copies.cross-account-allowed', settings)[0]?.[1]).toContain(
      'backup:DescribeGlobalSettings was not read',
    );
  });
});

describe('copies.destination-accepts', () => {
  it('is compliant for the source account or its organization, read in the destination', () => {
    expect(verdict('copies.destination-accepts')).toEqual([
      ['COMPLIANT', `${DR_VAULT} lets ${ACCOUNT} copy into it (read in ${DR_ACCOUNT})`],
    ]);
    const byOrg = account({
      backupVaults: [
        vault('dr-vault', { BackupVaultArn: DR_VAULT, EncryptionKeyArn: DR_KEY, AccessPolicy: ACCEPTS_ORG }),
      ],
    });
    expect(verdict('copies.destination-accepts', byOrg)[0]?.[0]).toBe('COMPLIANT');
  });

  it('flags no policy, a policy for someone else, and a deny', () => {
    const none = account({
      backupVaults: [vault('dr-vault', { BackupVaultArn: DR_VAULT, EncryptionKeyArn: DR_KEY })],
    });
    expect(verdict('copies.destination-accepts', none)[0]?.[1]).toContain(
      'has no access policy, so it refuses backup:CopyIntoBackupVault',
    );
    const other = account({
      backupVaults: [
        vault('dr-vault', {
          BackupVaultArn: DR_VAULT,
          EncryptionKeyArn: DR_KEY,
          AccessPolicy: ACCEPTS.replace(ACCOUNT, '333333333333'),
        }),
      ],
    });
    expect(verdict('copies.destination-accepts', other)[0]?.[0]).toBe('NON_COMPLIANT');
    const deny = JSON.stringify({
      Statement: [
        ...JSON.parse(ACCEPTS).Statement,
        {
          Sid: 'NoCopies',
          Effect: 'Deny',
          Principal: '*',
          Action: 'backup:CopyIntoBackupVault',
          Resource: '*',
        },
      ],
    });
    const denied = account({
      backupVaults: [
        vault('dr-vault', { BackupVaultArn: DR_VAULT, EncryptionKeyArn: DR_KEY, AccessPolicy: deny }),
      ],
    });
    expect(verdict('copies.destination-accepts', denied)[0]?.[1]).toContain(
      'denies backup:CopyIntoBackupVault to 111111111111 (NoCopies)',
    );
  });

  it('says ERROR where the destination was not read, or its policy read failed', () => {
    expect(verdict('copies.destination-accepts', account({ scope: scopeOf() }))[0]?.[0]).toBe('ERROR');
    const failed = account({
      collectionErrors: [
        {
          Arn: DR_VAULT,
          Action: 'backup:GetBackupVaultAccessPolicy',
          Code: 'AccessDeniedException',
          Message: '',
        },
      ],
    });
    expect(verdict('copies.destination-accepts', failed)).toEqual([
      [
        'ERROR',
        `could not evaluate the destination side (${DR_ACCOUNT}): backup:GetBackupVaultAccessPolicy on ${DR_VAULT} failed with AccessDeniedException`,
      ],
    ]);
    // Organization condition, organization unknown: no guess.
    const byOrg = account({
      accounts: [],
      backupVaults: [
        vault('dr-vault', { BackupVaultArn: DR_VAULT, EncryptionKeyArn: DR_KEY, AccessPolicy: ACCEPTS_ORG }),
      ],
    });
    expect(verdict('copies.destination-accepts', byOrg)[0]?.[1]).toContain('admits by aws:PrincipalOrgID');
  });
});

describe('copies.destination-key', () => {
  it('is compliant on a customer-managed key, flags aws/backup, and cannot tell an unread key', () => {
    expect(verdict('copies.destination-key')[0]?.[0]).toBe('COMPLIANT');
    const managed = account({ kmsKeys: [CMK, { ...key('aws-backup', { KeyManager: 'AWS' }), Arn: DR_KEY }] });
    expect(verdict('copies.destination-key', managed)[0]?.[1]).toContain(
      'is encrypted with the AWS managed key aws/backup',
    );
    const unread = account({ kmsKeys: [CMK] });
    expect(verdict('copies.destination-key', unread)[0]?.[1]).toContain(
      `could not evaluate the destination side (${DR_ACCOUNT})`,
    );
  });
});

describe('copies.rds-key-shared', () => {
  it("is compliant when the key policy admits the destination account (the RDS guide's statement)", () => {
    expect(verdict('copies.rds-key-shared')[0]?.[0]).toBe('COMPLIANT');
  });

  it('flags the published default key policy: only its own account', () => {
    const own = account({
      kmsKeys: [
        { ...CMK, KeyPolicy: DEFAULT_KEY_POLICY },
        { ...key('dr-cmk'), Arn: DR_KEY },
      ],
    });
    expect(verdict('copies.rds-key-shared', own)).toEqual([
      [
        'NON_COMPLIANT',
        `${CMK.Arn}'s key policy does not let ${DR_ACCOUNT} use it: AWS Backup shares the snapshot with ${DR_ACCOUNT}, which cannot then copy it. Allow kms:CreateGrant, kms:Decrypt, kms:DescribeKey for arn:aws:iam::${DR_ACCOUNT}:root`,
      ],
    ]);
  });

  it('says ERROR naming the source side when the key policy was not read', () => {
    const failed = account({
      kmsKeys: [{ ...CMK, KeyPolicy: undefined }],
      collectionErrors: [
        { Arn: CMK.Arn, Action: 'kms:GetKeyPolicy', Code: 'AccessDeniedException', Message: '' },
      ],
    });
    expect(verdict('copies.rds-key-shared', failed)[0]?.[0]).toBe('ERROR');
    expect(verdict('copies.rds-key-shared', failed)[0]?.[1]).toBe(
      `could not evaluate the source side (${ACCOUNT}): kms:GetKeyPolicy on ${CMK.Arn} failed with AccessDeniedException`,
    );
  });

  it('reads cloud-custodian\'s cross-account sample: principal "*" for kms:Encrypt only — not enough to copy', () => {
    const text = api('kms_GetKeyPolicy_cross_account_principal_star_placebo.json').data.Policy as string;
    expect(grantFor(text, ['kms:Encrypt'], DR_ACCOUNT, { wildcards: true }).kind).toBe('allowed');
    expect(grantFor(text, ['kms:CreateGrant', 'kms:Decrypt'], DR_ACCOUNT, { wildcards: true }).kind).toBe(
      'not-allowed',
    );
    // Its owner account gets everything through kms:*.
    expect(grantFor(text, ['kms:CreateGrant', 'kms:Decrypt'], '644160558196', { wildcards: true }).kind).toBe(
      'allowed',
    );
  });
});
