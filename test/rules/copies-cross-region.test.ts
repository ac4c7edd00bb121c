/**
 * Cross-Region copy preflight: the option group a database's copies need where they land
 * (cross-region-backup.html: AWS Backup does not carry custom option groups; persistent options
 * make the copy fail without a same-named group there; USER_ShareSnapshot.html: such snapshots
 * cannot be shared across accounts), and what a copy of a continuous backup is (a snapshot).
 * Option groups in the shape DescribeOptionGroups answers (the AWS CLI's published example and
 * the API's Option fields).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import {
  ACCOUNT,
  DR_ACCOUNT,
  db,
  findings,
  inventory,
  plan,
  planRule,
  policies,
  REGION,
  vaultArnOf,
} from '../support/builders.js';

const DR_REGION = 'eu-west-1';
const published = JSON.parse(
  readFileSync('test/fixtures/real/api/rds_DescribeOptionGroups_awscli.json', 'utf8'),
).OptionGroupsList[0] as { OptionGroupName: string; EngineName: string; Options: unknown[] };

type Option = { OptionName: string; Persistent: boolean; Permanent: boolean };
const TDE: Option = { OptionName: 'TDE', Persistent: true, Permanent: true };
const TIMEZONE: Option = { OptionName: 'Timezone', Persistent: true, Permanent: true };
const AUDIT: Option = { OptionName: 'MARIADB_AUDIT_PLUGIN', Persistent: false, Permanent: false };

/** A DescribeOptionGroups answer, as the collector records it. */
const group = (region: string, name: string, options: Option[], engine = 'oracle-ee', account = ACCOUNT) => ({
  AccountId: account,
  Region: region,
  OptionGroupName: name,
  Exists: true,
  EngineName: engine,
  Options: options,
});
const absent = (region: string, name: string) => ({
  AccountId: ACCOUNT,
  Region: region,
  OptionGroupName: name,
  Exists: false,
  Options: [],
});

const crossRegion = policies({ policies: { gold: { copies: [{ region: DR_REGION }] } } });
const crossAccount = policies({
  policies: { gold: { copies: [{ account: DR_ACCOUNT, vault: 'dr-vault' }] } },
});
const DB = `arn:aws:rds:${REGION}:${ACCOUNT}:db:erp`;
const erp = (name: string, engine = 'oracle-ee') => db('erp', { Engine: engine, OptionGroupName: name });
const verdict = (inv: ReturnType<typeof inventory>, set = crossRegion) =>
  findings('copies.rds-option-group', inv, set, DB).map((f) => [f.status, f.message]);

describe('copies.rds-option-group', () => {
  it('passes a database on a default option group (the published example), which every Region has', () => {
    const inv = inventory({ resources: [erp(published.OptionGroupName)] });
    expect(verdict(inv)).toEqual([
      ['COMPLIANT', 'on the default option group default:oracle-ee-19, which every Region has'],
    ]);
  });

  it('fails every copy when the destination Region lacks the persistent options', () => {
    const inv = inventory({
      resources: [erp('erp-tde')],
      optionGroups: [group(REGION, 'erp-tde', [TDE]), absent(DR_REGION, 'erp-tde')],
    });
    const [[status, message]] = verdict(inv) as [[string, string]];
    expect(status).toBe('NON_COMPLIANT');
    expect(message).toContain(
      `${DR_REGION} has no option group erp-tde, so it lacks the persistent or permanent options TDE`,
    );
    expect(message).toContain(
      'every copy to arn:aws:backup:eu-west-1:111111111111:backup-vault:backup-sentinel-gold fails',
    );
    expect(message).toContain('The snapshot requires a target option group with the following options');
  });

  it('says a copy succeeds but restores without the options the destination lacks', () => {
    const inv = inventory({
      resources: [erp('analytics-audit', 'mysql')],
      optionGroups: [
        group(REGION, 'analytics-audit', [AUDIT], 'mysql'),
        group(DR_REGION, 'analytics-audit', [], 'mysql'),
      ],
    });
    const [[status, message]] = verdict(inv) as [[string, string]];
    expect(status).toBe('NON_COMPLIANT');
    expect(message).toMatch(/^eu-west-1's analytics-audit lacks MARIADB_AUDIT_PLUGIN: copies to .* succeed/);
  });

  it('passes when the same group with the same options exists where copies land', () => {
    const inv = inventory({
      resources: [erp('erp-tde')],
      optionGroups: [group(REGION, 'erp-tde', [TDE, AUDIT]), group(DR_REGION, 'erp-tde', [TDE, AUDIT])],
    });
    expect(verdict(inv)).toEqual([
      [
        'COMPLIANT',
        'erp-tde exists in eu-west-1 with its options (TDE, MARIADB_AUDIT_PLUGIN; read in both Regions)',
      ],
    ]);
  });

  it('is ERROR naming the side whose option group was not read, never a pass', () => {
    const sourceFailed = inventory({
      resources: [erp('erp-tde')],
      collectionErrors: [
        {
          Arn: `arn:aws:rds:${REGION}:${ACCOUNT}:og:erp-tde`,
          Action: 'rds:DescribeOptionGroups',
          Code: 'AccessDenied',
          Message: '',
        },
      ],
    });
    expect(verdict(sourceFailed)).toEqual([
      [
        'ERROR',
        `could not evaluate the source side (${ACCOUNT}/${REGION}): rds:DescribeOptionGroups of erp-tde failed with AccessDenied`,
      ],
    ]);
    const destinationUnread = inventory({
      resources: [erp('erp-tde')],
      optionGroups: [group(REGION, 'erp-tde', [TDE])],
    });
    expect(verdict(destinationUnread)).toEqual([
      [
        'ERROR',
        `could not evaluate the destination side (${ACCOUNT}/${DR_REGION}): rds:DescribeOptionGroups of erp-tde was not read`,
      ],
    ]);
  });

  it('fails cross-account copies of a snapshot with persistent options, except Oracle Timezone and OLS', () => {
    const tde = inventory({ resources: [erp('erp-tde')], optionGroups: [group(REGION, 'erp-tde', [TDE])] });
    expect(verdict(tde, crossAccount)).toEqual([
      [
        'NON_COMPLIANT',
        `option group erp-tde has persistent or permanent options (TDE): RDS cannot share a snapshot with them, so every copy to ${DR_ACCOUNT} fails (read in ${ACCOUNT}/${REGION})`,
      ],
    ]);
    const timezone = inventory({
      resources: [erp('erp-tz')],
      optionGroups: [group(REGION, 'erp-tz', [TIMEZONE])],
    });
    expect(verdict(timezone, crossAccount)[0]?.[0]).toBe('COMPLIANT');
    // SQL Server's Timezone is not the Oracle exception.
    const sqlserver = inventory({
      resources: [erp('mssql-tz', 'sqlserver-ee')],
      optionGroups: [group(REGION, 'mssql-tz', [TIMEZONE], 'sqlserver-ee')],
    });
    expect(verdict(sqlserver, crossAccount)[0]?.[0]).toBe('NON_COMPLIANT');
  });

  it('does not apply without copies', () => {
    const inv = inventory({ resources: [erp('erp-tde')] });
    expect(verdict(inv, policies({ policies: { gold: {} } }))[0]?.[0]).toBe('NOT_APPLICABLE');
  });
});

describe('copies.continuous-as-snapshots', () => {
  const COPY_TO = vaultArnOf('backup-sentinel-gold', DR_REGION);
  const continuous = policies({
    policies: { gold: { continuous: true, frequency: '1d', rpoHours: 24, copies: [{ region: DR_REGION }] } },
  });
  const withPlan = (rules: Parameters<typeof plan>[1], over: Partial<InventoryInput> = {}) =>
    inventory({ resources: [db('orders')], backupPlans: [plan('backup-sentinel-gold', rules)], ...over });
  const ORDERS = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`;
  const copy = [{ DestinationBackupVaultArn: COPY_TO, Lifecycle: { DeleteAfterDays: 35 } }];
  const verdictOf = (inv: ReturnType<typeof inventory>, set = continuous) =>
    findings('copies.continuous-as-snapshots', inv, set, ORDERS).map((f) => [f.status, f.message]);

  it('says the copies are snapshots, with no point-in-time recovery where they land', () => {
    const inv = withPlan([
      planRule({ RuleName: 'daily', CopyActions: copy }),
      planRule({
        RuleName: 'continuous',
        EnableContinuousBackup: true,
        ScheduleExpression: 'cron(0 * ? * * *)',
      }),
    ]);
    expect(verdictOf(inv)).toEqual([
      [
        'COMPLIANT',
        `copies to ${COPY_TO} are snapshots: point-in-time recovery stays in ${REGION}, and a restore from ${DR_REGION} goes back to a copy, one every 24h (rule daily; RPO 24h)`,
      ],
    ]);
  });

  it('fails when the only rule copying there runs less often than the RPO', () => {
    const inv = withPlan([
      planRule({
        RuleName: 'continuous',
        EnableContinuousBackup: true,
        ScheduleExpression: 'cron(0 5 ? * * *)',
      }),
      planRule({ RuleName: 'weekly', ScheduleExpression: 'cron(0 5 ? * SUN *)', CopyActions: copy }),
    ]);
    const [[status, message]] = verdictOf(inv) as [[string, string]];
    expect(status).toBe('NON_COMPLIANT');
    expect(message).toContain("rule weekly makes one every 7d, more than the policy's RPO of 24h");
  });

  it('does not apply to policies without continuous backups, or without a copy action yet', () => {
    const daily = policies({ policies: { gold: { copies: [{ region: DR_REGION }] } } });
    expect(verdictOf(withPlan([planRule({ CopyActions: copy })]), daily)[0]?.[0]).toBe('NOT_APPLICABLE');
    expect(verdictOf(withPlan([planRule()]))[0]).toEqual([
      'NOT_APPLICABLE',
      `no copy action to ${COPY_TO} yet (see copies.configured)`,
    ]);
  });
});
