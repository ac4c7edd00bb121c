/** Copies: cross-region / cross-account copies exist in the plan, succeed, and can succeed. */

import { vaultArn } from '../../inventory/arn.js';
import { backupResourceType } from '../../inventory/index.js';
import type { Policy } from '../../policy/index.js';
import { formatHours } from '../../policy/schedule.js';
import type { Action } from '../../remediation/actions.js';
import { ageHours } from '../time.js';
import { cannotEvaluate, compliant, nonCompliant, notApplicable, type Outcome, type Rule } from '../types.js';
import { primaryRule } from './plan.js';

export interface Destination {
  arn: string;
  region: string;
  account: string;
  retentionDays: number;
  crossRegion: boolean;
  crossAccount: boolean;
}

/** Where a policy's copies of a resource in `region` of `account` must land. */
export function destinations(policy: Policy, region: string, account: string): Destination[] {
  return policy.copies.map((c) => {
    const r = c.region ?? region;
    const a = c.account ?? account;
    return {
      arn: vaultArn(r, a, c.vault ?? policy.vaultName),
      region: r,
      account: a,
      retentionDays: c.retentionDays ?? policy.retentionDays,
      crossRegion: r !== region,
      crossAccount: a !== account,
    };
  });
}

export const copyActions: Rule<'plan'> = {
  id: 'copies.configured',
  title: 'Plan copies recovery points to every destination of the policy',
  area: 'copies',
  severity: 'critical',
  subject: 'plan',
  permissions: {
    collect: ['backup:ListBackupPlans', 'backup:GetBackupPlan'],
    remediate: ['backup:UpdateBackupPlan'],
  },
  example:
    'policy copies to account 222222222222/dr-vault, plan has no copy action -> NON_COMPLIANT + AddCopyAction',
  evaluate({ plan, policy, region }, { inventory }) {
    const dests = destinations(policy, region, inventory.accountId);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    const primary = primaryRule(plan.Rules);
    return dests.map((d): Outcome => {
      if (!d.crossRegion && !d.crossAccount) {
        return notApplicable(`copy destination ${d.arn} is the source region and account: nothing to copy`);
      }
      const found = plan.Rules.flatMap((r) => r.CopyActions.map((c) => ({ rule: r.RuleName, copy: c }))).find(
        (x) => x.copy.DestinationBackupVaultArn === d.arn,
      );
      if (!found) {
        const actions: Action[] = primary
          ? [
              {
                type: 'AddCopyAction',
                region,
                planName: plan.BackupPlanName,
                ruleName: primary.RuleName,
                destinationVaultArn: d.arn,
                deleteAfterDays: d.retentionDays,
              },
            ]
          : [];
        return nonCompliant(`no copy action to ${d.arn}`, {
          expected: `copy to ${d.arn}`,
          actual: 'none',
          actions,
        });
      }
      const days = found.copy.Lifecycle?.DeleteAfterDays;
      if (days !== undefined && days < d.retentionDays) {
        return nonCompliant(
          `copy to ${d.arn} (rule ${found.rule}) keeps ${days} days; policy needs ${d.retentionDays}`,
          {
            expected: `>= ${d.retentionDays} days`,
            actual: `${days} days`,
            actions: [
              {
                type: 'RaiseCopyRetention',
                region,
                planName: plan.BackupPlanName,
                ruleName: found.rule,
                destinationVaultArn: d.arn,
                deleteAfterDays: d.retentionDays,
              },
            ],
          },
        );
      }
      return compliant(
        `rule ${found.rule} copies to ${d.arn} (keeps ${days ?? 'forever'}${days === undefined ? '' : 'd'})`,
      );
    });
  },
};

export const rdsSingleHop: Rule<'resource'> = {
  id: 'copies.rds-single-hop',
  title: 'RDS/Aurora copies are either cross-region or cross-account, not both at once',
  area: 'copies',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], remediate: [] },
  example:
    'RDS policy copying to account 222222222222 in eu-west-1 from us-east-1 -> NON_COMPLIANT: AWS Backup cannot do both in one copy',
  evaluate({ resource, policy }, { inventory }) {
    const both = destinations(policy, resource.Region, inventory.accountId).filter(
      (d) => d.crossRegion && d.crossAccount,
    );
    if (policy.copies.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    if (both.length === 0) return compliant('every copy is cross-region or cross-account, not both');
    return nonCompliant(
      `AWS Backup cannot copy ${backupResourceType(resource)} snapshots to another account and region in one copy action (${both.map((d) => d.arn).join(', ')}): copy to the other account in the same region, and cross-region from there`,
      { expected: 'one hop per copy', actual: `${both.length} copies both cross-account and cross-region` },
    );
  },
};

export const copiesRecent: Rule<'resource'> = {
  id: 'copies.recent',
  title: 'Newest completed copy in each destination is within the RPO',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: ['backup:ListCopyJobs', 'backup:ListRecoveryPointsByBackupVault'], remediate: [] },
  example:
    'copy to eu-west-1 failing for 3 days, rpoHours 48 -> NON_COMPLIANT: newest completed copy 3d old; last copy FAILED: <reason>',
  evaluate({ resource, policy }, { index, inventory, now }) {
    const dests = destinations(policy, resource.Region, inventory.accountId).filter(
      (d) => d.crossRegion || d.crossAccount,
    );
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    const jobs = index.copyJobsByResource.get(resource.Arn) ?? [];
    const points = index.recoveryPointsByResource.get(resource.Arn) ?? [];
    return dests.map((d): Outcome => {
      const toDest = jobs.filter((j) => j.DestinationBackupVaultArn === d.arn);
      const lastDone = toDest.find((j) => j.State === 'COMPLETED');
      const landed = points.find((p) => p.BackupVaultArn === d.arn && p.Status === 'COMPLETED');
      const newest = [lastDone?.CompletionDate ?? lastDone?.CreationDate, landed?.CreationDate]
        .filter((x): x is string => x !== undefined)
        .sort()
        .at(-1);
      const last = toDest[0];
      const lastFailure =
        last && last.State !== 'COMPLETED' && last.State !== 'RUNNING' && last.State !== 'CREATED'
          ? `; last copy job ${last.State}${last.StatusMessage ? `: ${last.StatusMessage}` : ''}`
          : '';
      if (newest === undefined) {
        return nonCompliant(`no completed copy in ${d.arn}${lastFailure}`, {
          expected: `copy younger than ${formatHours(policy.rpoHours)}`,
          actual: 'none',
        });
      }
      const age = ageHours(newest, now);
      if (age <= policy.rpoHours)
        return compliant(
          `newest copy in ${d.arn} is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})`,
        );
      return nonCompliant(
        `newest completed copy in ${d.arn} is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})${lastFailure}`,
        {
          expected: `< ${formatHours(policy.rpoHours)}`,
          actual: formatHours(age),
        },
      );
    });
  },
};

export const cmkForCrossAccount: Rule<'resource'> = {
  id: 'copies.rds-cmk',
  title: 'RDS/Aurora copied to another account is encrypted with a customer-managed key',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: {
    collect: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'kms:DescribeKey'],
    remediate: [],
  },
  example:
    'db encrypted with aws/rds, policy copies to account 222222222222 -> NON_COMPLIANT: cross-account copies will fail',
  evaluate({ resource, policy }, { index, inventory }) {
    if (resource.Type === 'AWS::S3::Bucket') return notApplicable('not a database');
    const crossAccount = destinations(policy, resource.Region, inventory.accountId).some(
      (d) => d.crossAccount,
    );
    if (!crossAccount) return notApplicable(`policy ${policy.name} has no cross-account copy`);
    if (!resource.StorageEncrypted)
      return compliant('unencrypted: snapshots can be shared (see rds.encryption)');
    const key = index.key(resource.KmsKeyId);
    if (!key) {
      if (resource.KmsKeyId?.endsWith('alias/aws/rds')) return awsManaged();
      return cannotEvaluate(`KMS key ${resource.KmsKeyId ?? '(none)'} was not collected`);
    }
    if (key.KeyManager === 'AWS') return awsManaged();
    return compliant(`encrypted with customer-managed key ${key.KeyId}`);
  },
};

function awsManaged(): Outcome {
  return nonCompliant(
    'encrypted with the AWS managed key aws/rds: its snapshots cannot be shared, so every cross-account copy fails. Re-encrypt with a customer-managed key (snapshot copy + restore)',
    { expected: 'customer-managed KMS key', actual: 'aws/rds' },
  );
}

export const copyRules = [copyActions, rdsSingleHop, copiesRecent, cmkForCrossAccount];
