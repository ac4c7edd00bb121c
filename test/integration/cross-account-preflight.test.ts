/**
 * The cross-account copy preflight against moto server over HTTP, with real accounts reached
 * through STS: the home account (moto's default, 123456789012) creates an organization and a
 * member account (CreateAccount); the collector reads the member, an account in another
 * organization and an account in none through the DR read role it assumes
 * (arn:aws:iam::{account}:role/backup-sentinel-dr-read), and the rules judge what it read.
 *
 * What moto 5.2.5 does, and so what this file can and cannot pin:
 * - STS AssumeRole (moto/sts/models.py STSBackend.assume_role, _create_access_key) issues a
 *   temporary access key in the IAM backend of the account named in the role ARN; every later
 *   request signed with it is served as that account (moto/core/responses.py
 *   BaseResponse.get_current_account -> moto/iam/models.py get_account_id_from). The role need
 *   not exist and its trust policy is not checked, so the DR role is not created here.
 * - Organizations (moto/organizations/models.py): CreateAccount gives the member a random id and
 *   records it in organizations_backends.master_accounts; DescribeOrganization from the member
 *   answers the management account's organization (OrganizationsBackend.describe_organization),
 *   from an account in none AWSOrganizationsNotInUseException. (master_accounts survives
 *   /moto-api/reset, which is why no test here reuses a member created before a reset.)
 * - AWS Backup (moto/backup/urls.py, responses.py) has vaults, plans, tags and vault locks, but
 *   no DescribeGlobalSettings and no Get/Put/DeleteBackupVaultAccessPolicy: moto answers those
 *   paths with an HTML 404, which the SDK reports as a SyntaxError (its body is not JSON). Not
 *   faked here: the product's answer to a failed read — ERROR naming the read that failed — is
 *   what is pinned. So copies.cross-account-allowed cannot be COMPLIANT against moto (the
 *   cross-account backup setting is never read), and copies.destination-accepts cannot tell a
 *   vault with an access policy from one without. Those verdicts are covered on recorded
 *   answers in test/rules/copies-preflight.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { auditAccount } from '../../src/app/live.js';
import type { Aws } from '../../src/aws/clients.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { parsePolicies } from '../../src/policy/index.js';
import type { Finding } from '../../src/rules/types.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

const REGION = 'eu-central-1';
const DR_ROLE = 'arn:aws:iam::{account}:role/backup-sentinel-dr-read';
/** In an organization of its own (created through the DR role there). */
const RIVAL = '444444444444';
/** In no organization. */
const OUTSIDER = '333333333333';
const NOW = new Date();

const dbArn = (id: string) => `arn:aws:rds:${REGION}:${MOTO_ACCOUNT}:db:${id}`;
const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
const vault = (account: string, name = 'dr-vault') =>
  `arn:aws:backup:${REGION}:${account}:backup-vault:${name}`;
const asDr = (aws: Aws, account: string) => aws.assume(DR_ROLE.replace('{account}', account), REGION);

/** The one finding of a rule about a resource (each policy here has one copy destination). */
function verdict(findings: Finding[], ruleId: string, resourceArn: string): Finding {
  const found = findings.filter((f) => f.ruleId === ruleId && f.resourceArn === resourceArn);
  expect(found, `${ruleId} on ${resourceArn}`).toHaveLength(1);
  return found[0] as Finding;
}

async function taggedDb(aws: Aws, id: string, policy: string): Promise<void> {
  await aws.rds(REGION).send(
    (sdk) =>
      new sdk.CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        MasterUsername: 'sentinel',
        MasterUserPassword: 'not-a-secret-123',
        AllocatedStorage: 20,
        BackupRetentionPeriod: 7,
        StorageEncrypted: false,
        Tags: [{ Key: 'backup:policy', Value: policy }],
      }),
  );
}

async function taggedBucket(aws: Aws, name: string, policy: string): Promise<void> {
  const s3 = aws.s3(REGION);
  await s3.send(
    (sdk) =>
      new sdk.CreateBucketCommand({
        Bucket: name,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
  );
  await s3.send(
    (sdk) =>
      new sdk.PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: [{ Key: 'backup:policy', Value: policy }] },
      }),
  );
}

describe('cross-account copy preflight across accounts reached through STS (moto server)', () => {
  let member: string;
  let orgId: string;
  let rivalOrgId: string;
  let memberKey: string;
  let inventory: Inventory;
  let findings: Finding[];

  beforeAll(async () => {
    await resetMoto();
    const aws = motoAws();
    // The home organization and its member, created from the home (management) account.
    const org = await aws
      .organizations(REGION)
      .send((sdk) => new sdk.CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    orgId = org.Organization?.Id ?? '';
    const created = await aws
      .organizations(REGION)
      .send((sdk) => new sdk.CreateAccountCommand({ AccountName: 'dr', Email: 'dr@example.com' }));
    member = created.CreateAccountStatus?.AccountId ?? '';
    // Another organization, created from inside the rival account.
    const rival = await asDr(aws, RIVAL)
      .organizations(REGION)
      .send((sdk) => new sdk.CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    rivalOrgId = rival.Organization?.Id ?? '';
    // The destination vaults, each created in its account; the member's on a customer-managed key.
    const dr = asDr(aws, member);
    memberKey = (
      await dr.kms(REGION).send((sdk) => new sdk.CreateKeyCommand({ Description: 'dr-vault key' }))
    ).KeyMetadata?.Arn as string;
    await dr
      .backup(REGION)
      .send(
        (sdk) =>
          new sdk.CreateBackupVaultCommand({ BackupVaultName: 'dr-vault', EncryptionKeyArn: memberKey }),
      );
    for (const account of [RIVAL, OUTSIDER])
      await asDr(aws, account)
        .backup(REGION)
        .send((sdk) => new sdk.CreateBackupVaultCommand({ BackupVaultName: 'dr-vault' }));
    // One home resource per destination.
    await taggedDb(aws, 'payments-db', 'to-member');
    await taggedDb(aws, 'orders-db', 'to-member-missing');
    await taggedBucket(aws, 'ledger-rival', 'to-rival');
    await taggedBucket(aws, 'ledger-outsider', 'to-outsider');
    const policies = parsePolicies(
      stringify({
        policies: {
          'to-member': { copies: [{ account: member, vault: 'dr-vault' }] },
          'to-member-missing': { copies: [{ account: member, vault: 'no-such-vault' }] },
          'to-rival': { copies: [{ account: RIVAL, vault: 'dr-vault' }] },
          'to-outsider': { copies: [{ account: OUTSIDER, vault: 'dr-vault' }] },
        },
      }),
    );
    const audited = await auditAccount(aws, { regions: [REGION], policies, now: NOW, drRoleArn: DR_ROLE });
    inventory = audited.inventory;
    findings = audited.result.findings;
  });

  it('reads each account’s organization in that account: the member through the DR role answers the home organization', () => {
    // Assess
    expect(member).toMatch(/^\d{12}$/);
    const byAccount = new Map(inventory.accounts.map((a) => [a.AccountId, a]));
    expect(byAccount.get(MOTO_ACCOUNT)).toMatchObject({
      OrganizationId: orgId,
      ManagementAccountId: MOTO_ACCOUNT,
      NotInOrganization: false,
    });
    expect(byAccount.get(member)).toMatchObject({
      OrganizationId: orgId,
      ManagementAccountId: MOTO_ACCOUNT,
      NotInOrganization: false,
    });
    expect(byAccount.get(RIVAL)).toMatchObject({
      OrganizationId: rivalOrgId,
      ManagementAccountId: RIVAL,
      NotInOrganization: false,
    });
    expect(byAccount.get(OUTSIDER)?.NotInOrganization).toBe(true);
    expect(byAccount.get(OUTSIDER)?.OrganizationId).toBeUndefined();
    // moto has no DescribeGlobalSettings: the home account's setting is a collection error, not a guess.
    expect(byAccount.get(MOTO_ACCOUNT)?.CrossAccountBackupEnabled).toBeUndefined();
    expect(
      inventory.collectionErrors.filter((e) => e.Action === 'organizations:DescribeOrganization'),
    ).toEqual([]);
    expect(
      inventory.collectionErrors.filter((e) => e.Action === 'backup:DescribeGlobalSettings'),
    ).toMatchObject([{ Arn: '*', Account: MOTO_ACCOUNT, Code: 'SyntaxError' }]);
  });

  it('copies.cross-account-allowed: NON_COMPLIANT for an account in no organization or in another one, naming both sides', () => {
    // Assess
    const outsider = verdict(findings, 'copies.cross-account-allowed', bucketArn('ledger-outsider'));
    expect(outsider.status).toBe('NON_COMPLIANT');
    expect(outsider.message).toBe(
      `${OUTSIDER} is in no organization, ${MOTO_ACCOUNT} in ${orgId}: "Both source and destination account must be a member of the same organization" — every copy to it fails`,
    );
    const rival = verdict(findings, 'copies.cross-account-allowed', bucketArn('ledger-rival'));
    expect(rival.status).toBe('NON_COMPLIANT');
    expect(rival.message).toBe(
      `${RIVAL} is in organization ${rivalOrgId}, ${MOTO_ACCOUNT} in ${orgId}: "Both source and destination account must be a member of the same organization" — every copy to it fails`,
    );
    expect(rival.actual).toBe(rivalOrgId);
  });

  it('copies.cross-account-allowed: for the member, both accounts are found in one organization, and the unread setting is ERROR on the source side', () => {
    // Assess
    const f = verdict(findings, 'copies.cross-account-allowed', dbArn('payments-db'));
    expect(f.status).toBe('ERROR');
    expect(f.outOfScope).toBeUndefined();
    expect(f.message).toBe(
      `both accounts are in ${orgId}, but whether cross-account backup is on could not be read on the source side (${MOTO_ACCOUNT}): backup:DescribeGlobalSettings failed with SyntaxError`,
    );
  });

  it('copies.destination-accepts: ERROR naming the destination side and the vault-policy read that failed (moto has no vault access policies)', () => {
    // Assess
    for (const [resource, account] of [
      [dbArn('payments-db'), member],
      [bucketArn('ledger-rival'), RIVAL],
      [bucketArn('ledger-outsider'), OUTSIDER],
    ] as const) {
      const f = verdict(findings, 'copies.destination-accepts', resource);
      expect(f.status, resource).toBe('ERROR');
      expect(f.message).toBe(
        `could not evaluate the destination side (${account}): backup:GetBackupVaultAccessPolicy on ${vault(account)} failed with SyntaxError`,
      );
    }
    // The vault list was read in the member through the DR role: a vault not there is proven missing.
    const missing = verdict(findings, 'copies.destination-accepts', dbArn('orders-db'));
    expect(missing.status).toBe('NOT_APPLICABLE');
    expect(missing.message).toBe(
      `${vault(member, 'no-such-vault')} does not exist (vault.exists and copies.recent say so)`,
    );
  });

  it('copies.destination-key: the member’s vault key, described through the DR role, is customer-managed', () => {
    // Assess
    const f = verdict(findings, 'copies.destination-key', dbArn('payments-db'));
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe(`${vault(member)} is encrypted with customer-managed key ${memberKey}`);
    expect(inventory.kmsKeys.map((k) => k.Arn)).toContain(memberKey);
  });
});

describe('cross-account copy preflight when the home account is in no organization (moto server)', () => {
  it('copies.cross-account-allowed is NON_COMPLIANT on the source side, whatever the destination', async () => {
    // Prepare
    await resetMoto();
    const aws = motoAws();
    const destination = '222222222222';
    await asDr(aws, destination)
      .backup(REGION)
      .send((sdk) => new sdk.CreateBackupVaultCommand({ BackupVaultName: 'dr-vault' }));
    await taggedBucket(aws, 'ledger', 'gold');
    const policies = parsePolicies(
      stringify({ policies: { gold: { copies: [{ account: destination, vault: 'dr-vault' }] } } }),
    );
    // Act
    const { inventory, result } = await auditAccount(aws, {
      regions: [REGION],
      policies,
      now: NOW,
      drRoleArn: DR_ROLE,
    });
    // Assess
    expect(inventory.accounts.find((a) => a.AccountId === MOTO_ACCOUNT)?.NotInOrganization).toBe(true);
    const f = verdict(result.findings, 'copies.cross-account-allowed', bucketArn('ledger'));
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toBe(
      `the source account ${MOTO_ACCOUNT} is in no AWS Organizations organization: AWS Backup copies only between accounts of one organization`,
    );
  });
});
