/**
 * The cross-Region copy preflight against moto server over HTTP: a database on a custom option
 * group copying to another Region. The collector reads the group by name at home and where the
 * copies land (DescribeOptionGroups; moto answers OptionGroupNotFoundFault for a name it does not
 * have, as RDS does), and copies.rds-option-group judges what it read. moto records an option's
 * name and settings but not Persistent/Permanent (moto/rds/models.py OptionGroup.add_options), so
 * the "every copy fails" case of persistent options is pinned on recorded answers in
 * test/rules/copies-cross-region.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { auditAccount } from '../../src/app/live.js';
import type { Aws } from '../../src/aws/clients.js';
import { parsePolicies } from '../../src/policy/index.js';
import type { Finding } from '../../src/rules/types.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

const HOME = 'eu-central-1';
const DR = 'eu-west-1';
const GROUP = 'analytics-audit';
const DB = `arn:aws:rds:${HOME}:${MOTO_ACCOUNT}:db:analytics-db`;
const policies = parsePolicies(stringify({ policies: { silver: { copies: [{ region: DR }] } } }));

async function auditGroup(aws: Aws, region: string) {
  const rds = aws.rds(region);
  await rds.send(
    (sdk) =>
      new sdk.CreateOptionGroupCommand({
        OptionGroupName: GROUP,
        EngineName: 'mysql',
        MajorEngineVersion: '8.0',
        OptionGroupDescription: 'MariaDB audit plugin',
      }),
  );
  await rds.send(
    (sdk) =>
      new sdk.ModifyOptionGroupCommand({
        OptionGroupName: GROUP,
        OptionsToInclude: [{ OptionName: 'MARIADB_AUDIT_PLUGIN' }],
        ApplyImmediately: true,
      }),
  );
}

const verdictOf = async (aws: Aws): Promise<Finding[]> => {
  const { result } = await auditAccount(aws, { regions: [HOME, DR], policies, now: new Date() });
  return result.findings.filter((f) => f.ruleId === 'copies.rds-option-group' && f.resourceArn === DB);
};

describe('cross-Region copy preflight: option groups (moto server)', () => {
  let aws: Aws;
  beforeAll(async () => {
    await resetMoto();
    aws = motoAws();
    await auditGroup(aws, HOME);
    await aws.rds(HOME).send(
      (sdk) =>
        new sdk.CreateDBInstanceCommand({
          DBInstanceIdentifier: 'analytics-db',
          DBInstanceClass: 'db.t3.micro',
          Engine: 'mysql',
          EngineVersion: '8.0.39',
          MasterUsername: 'sentinel',
          MasterUserPassword: 'not-a-secret-123',
          AllocatedStorage: 20,
          BackupRetentionPeriod: 7,
          OptionGroupName: GROUP,
          Tags: [{ Key: 'backup:policy', Value: 'silver' }],
        }),
    );
    for (const region of [HOME, DR])
      await aws
        .backup(region)
        .send((sdk) => new sdk.CreateBackupVaultCommand({ BackupVaultName: 'backup-sentinel-silver' }));
  });

  it('says a restore where the copies land comes up without the options the Region has no group for', async () => {
    const [f, ...more] = await verdictOf(aws);
    expect(more).toEqual([]);
    expect(f?.status).toBe('NON_COMPLIANT');
    expect(f?.message).toBe(
      `${DR} has no option group ${GROUP}, so it lacks MARIADB_AUDIT_PLUGIN: copies to arn:aws:backup:${DR}:${MOTO_ACCOUNT}:backup-vault:backup-sentinel-silver succeed, but land on the default option group, and a restore there comes up without those options. Create ${GROUP} in ${DR} with the same options`,
    );
  });

  it('passes once the same group with the same options exists in that Region', async () => {
    await auditGroup(aws, DR);
    const [f] = await verdictOf(aws);
    expect([f?.status, f?.message]).toEqual([
      'COMPLIANT',
      `${GROUP} exists in ${DR} with its options (MARIADB_AUDIT_PLUGIN; read in both Regions)`,
    ]);
  });
});
