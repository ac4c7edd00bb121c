/** Coverage: is each tagged resource really in the backup plan its policy names? */

import { parseArn, vaultArn } from '../../inventory/arn.js';
import { backupResourceType, isClusterMember, regionOf, resourceName } from '../../inventory/index.js';
import type { BackupPlan } from '../../inventory/schema.js';
import { closest } from '../../issues.js';
import { copyDestinations } from '../../policy/destinations.js';
import type { Policy } from '../../policy/index.js';
import type { Action } from '../../remediation/actions.js';
import type { Copies } from '../../remediation/backup-roles.js';
import { createVault, newBackupPlan } from '../provision.js';
import { matchSelection, plansSelecting } from '../selection.js';
import {
  cannotEvaluate,
  compliant,
  defineRule,
  nonCompliant,
  notApplicable,
  notRead,
  type Outcome,
} from '../types.js';
import { fitName } from './restore.js';

const ALL_TYPES = ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'] as const;
const PLANS_READ = ['backup:ListBackupPlans', 'backup:GetBackupPlan'];
const SELECTIONS_READ = ['backup:ListBackupSelections', 'backup:GetBackupSelection'];

export const policyDeclared = defineRule<'tagged'>({
  id: 'coverage.policy-declared',
  title: 'Resource declares a known backup policy',
  area: 'coverage',
  severity: 'high',
  subject: 'tagged',
  resourceTypes: [...ALL_TYPES],
  permissions: { collect: ['tag:GetResources'] },
  proposes: [],
  example:
    'bucket tagged backup:policy=glod, policies gold and bronze -> NON_COMPLIANT: unknown policy "glod" (did you mean "gold"?)',
  evaluate({ resource, resolution }, { policies }) {
    if (isClusterMember(resource)) {
      return notApplicable(
        `Aurora instance: judged at cluster level (cluster ${resource.DBClusterIdentifier})`,
      );
    }
    switch (resolution.kind) {
      case 'policy':
        return compliant(`declares policy ${resolution.policy.name}`);
      case 'opt-out':
        return compliant(`explicit opt-out (${policies.tagKey}=none): not backed up by choice`);
      case 'missing':
        return nonCompliant(`no backup policy: tag ${policies.tagKey} is missing`, {
          expected: `${policies.tagKey}=<one of ${Object.keys(policies.policies).join(', ')}> or none`,
          actual: 'no tag',
        });
      case 'unknown': {
        const near = closest(resolution.value, resolution.known);
        return nonCompliant(
          `unknown policy "${resolution.value}"${near ? ` (did you mean "${near}"?)` : ''}; known policies: ${resolution.known.join(', ')}`,
          { expected: `one of ${resolution.known.join(', ')}, or none`, actual: resolution.value },
        );
      }
    }
  },
});

/** AWS Backup's limit on a selection name. */
const SELECTION_NAME_MAX = 50;

/**
 * Where the plan copies a resource of `region` and `account` to: what the policy asks for and
 * what the plan already does both count, as the selection's role must make every copy.
 */
function planCopies(policy: Policy, plan: BackupPlan | undefined, region: string, account: string): Copies {
  const planned = (plan?.Rules ?? []).flatMap((r) =>
    r.CopyActions.map((c) => parseArn(c.DestinationBackupVaultArn)),
  );
  const all = [
    ...copyDestinations(policy, region, account),
    ...planned.map((a) => ({ crossRegion: a?.region !== region, crossAccount: a?.account !== account })),
  ];
  return { crossRegion: all.some((d) => d.crossRegion), crossAccount: all.some((d) => d.crossAccount) };
}

export const selected = defineRule<'resource'>({
  id: 'coverage.selected',
  title: "Resource is assigned to its policy's backup plan",
  area: 'coverage',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: [...ALL_TYPES],
  permissions: { collect: [...PLANS_READ, ...SELECTIONS_READ] },
  proposes: ['CreateBackupVault', 'CreateBackupPlan', 'CreateBackupSelection'],
  example:
    'db tagged backup:policy=gold, plan backup-sentinel-gold selects only tag team=x -> NON_COMPLIANT + CreateBackupSelection',
  evaluate({ resource, policy }, { index, policies, inventory }) {
    const region = resource.Region;
    const account = resource.AccountId;
    const plan = index.plan(region, policy.planName);
    const kind = resource.Type === 'AWS::S3::Bucket' ? 's3' : 'rds';
    const selection: Action = {
      type: 'CreateBackupSelection',
      region,
      planName: policy.planName,
      // One selection per kind (each with its kind's role), within AWS Backup's 50 characters.
      selectionName: fitName(`backup-sentinel-${policy.name}-${kind}`, SELECTION_NAME_MAX),
      tagKey: policies.tagKey,
      tagValue: policy.name,
      auditOnlyTagKey: policies.remediateTagKey,
      kind,
      copies: planCopies(policy, plan, region, account),
    };
    if (!plan) {
      // "No such plan" needs the plan list, and every plan read (an unreadable one may be ours).
      const unread = index.scope.unread(PLANS_READ, account, region);
      if (unread) return notRead(`whether plan ${policy.planName} exists in ${region}`, unread);
      const missingVault = !index.vaultsByArn.has(vaultArn(region, inventory.accountId, policy.vaultName));
      const vault = missingVault ? createVault(policy, region) : undefined;
      const blocked = vault && 'blocked' in vault ? `; not created: ${vault.blocked}` : '';
      return nonCompliant(
        `backup plan ${policy.planName} does not exist in ${region}: ${resourceName(resource)} is not backed up${blocked}`,
        {
          expected: `in plan ${policy.planName}`,
          actual: 'no such plan',
          actions: blocked
            ? []
            : [
                ...(vault && 'action' in vault ? [vault.action] : []),
                { type: 'CreateBackupPlan', region, plan: newBackupPlan(policy, region, account) },
                selection,
              ],
        },
      );
    }
    const results = (index.selectionsByPlanId.get(plan.BackupPlanId) ?? []).map((s) => ({
      name: s.SelectionName,
      ...matchSelection(s, resource, index),
    }));
    const hit = results.find((r) => r.selected);
    if (hit) return compliant(`in plan ${plan.BackupPlanName}: selection ${hit.name} ${hit.reason}`);
    // Not selected by what was read: proven only if every selection of the plan was read, and
    // the region's opt-in where a selection depends on it.
    const unread =
      index.scope.unread(SELECTIONS_READ, account, region, plan.BackupPlanArn) ??
      (results.some((r) => r.selected === undefined)
        ? index.scope.unread('backup:DescribeRegionSettings', account, region)
        : undefined);
    if (unread) return notRead(`whether plan ${plan.BackupPlanName} selects it`, unread);
    const why = results.length
      ? results.map((r) => `${r.name}: ${r.reason}`).join('; ')
      : 'the plan has no selections';
    const excluded = results.some((r) => r.reason.startsWith('excluded by NotResources'));
    const notOptedIn = results.length > 0 && results.every((r) => r.reason.includes('not opted in'));
    return nonCompliant(
      `not selected by plan ${plan.BackupPlanName} (${why})${excluded ? '; explicitly excluded, so left alone: remove the exclusion or tag it none' : ''}`,
      {
        expected: `selected by plan ${plan.BackupPlanName}`,
        actual: 'not selected',
        actions: excluded || notOptedIn ? [] : [selection],
      },
    );
  },
});

export const singlePlan = defineRule<'resource'>({
  id: 'coverage.single-plan',
  title: 'Resource is in one backup plan only',
  area: 'coverage',
  severity: 'medium',
  subject: 'resource',
  resourceTypes: [...ALL_TYPES],
  permissions: {
    collect: ['backup:ListBackupPlans', 'backup:ListBackupSelections', 'backup:GetBackupSelection'],
  },
  proposes: [],
  example:
    'bucket selected by plans gold and legacy-daily -> NON_COMPLIANT: every recovery point is paid twice',
  evaluate({ resource }, { index }) {
    const plans = plansSelecting(resource, index);
    // "Only one" is a claim about every plan and selection of the region.
    const unread =
      plans.length <= 1
        ? index.scope.unread([...PLANS_READ, ...SELECTIONS_READ], resource.AccountId, resource.Region)
        : undefined;
    if (unread) return notRead('whether other plans select it too', unread);
    if (plans.length <= 1)
      return compliant(plans.length ? `only in plan ${plans[0]?.planName}` : 'in no plan');
    return nonCompliant(
      `selected by ${plans.length} plans (${plans.map((p) => `${p.planName}/${p.selectionName}`).join(', ')}): backups and storage are paid more than once`,
      { expected: '1 plan', actual: `${plans.length} plans` },
    );
  },
});

export const resourceTypeOptIn = defineRule<'resource'>({
  id: 'coverage.resource-type-opt-in',
  title: 'AWS Backup is opted in for the resource type in its region',
  area: 'coverage',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: [...ALL_TYPES],
  permissions: { collect: ['backup:DescribeRegionSettings'] },
  proposes: ['EnableResourceTypeOptIn'],
  example: 'S3 bucket in eu-central-1 where the S3 opt-in is off -> NON_COMPLIANT + EnableResourceTypeOptIn',
  evaluate({ resource }, { index }) {
    const type = backupResourceType(resource);
    const opted = index.optedIn(resource.Region, type);
    if (opted === undefined) {
      const unread = index.scope.unread('backup:DescribeRegionSettings', resource.AccountId, resource.Region);
      if (unread) return notRead(`whether ${type} is opted in in ${resource.Region}`, unread);
      return notApplicable(`AWS Backup reports no opt-in setting for ${type} in ${resource.Region}`);
    }
    if (opted) return compliant(`${type} is opted in in ${resource.Region}`);
    const selectedBy = plansSelecting(resource, index)[0];
    if (selectedBy) {
      return compliant(
        `${type} is opted out in ${resource.Region}, but plan ${selectedBy.planName} names the resource type, which AWS Backup honours`,
      );
    }
    return nonCompliant(
      `${type} is not opted in for AWS Backup in ${resource.Region}: tag-based selections skip it`,
      {
        expected: 'opted in',
        actual: 'opted out',
        actions: [{ type: 'EnableResourceTypeOptIn', region: resource.Region, resourceType: type }],
      },
    );
  },
});

/**
 * When discovery itself fails, there are no resources to judge and an audit would look clean.
 * The engine turns this rule into ERROR whenever one of its account-wide reads failed.
 */
export const discovery = defineRule<'account'>({
  id: 'coverage.discovery',
  title: 'The account could be read completely',
  area: 'coverage',
  severity: 'critical',
  subject: 'account',
  permissions: {
    collect: [
      'tag:GetResources',
      'rds:DescribeDBInstances',
      'rds:DescribeDBClusters',
      's3:GetBucketLocation',
      'backup:ListBackupPlans',
      'backup:ListBackupVaults',
      'backup:DescribeRegionSettings',
    ],
  },
  proposes: [],
  example: 'tag:GetResources denied -> ERROR: the tagged buckets could not be listed, so none was judged',
  evaluate({ accountId }, { inventory }) {
    const errors = inventory.collectionErrors.length;
    return compliant(
      `account ${accountId} read${errors ? ` (${errors} reads about single resources failed; see their ERROR findings)` : ''}`,
    );
  },
});

/** The role each selection that picks the resource passes to AWS Backup may do what a backup of it needs. */
export const backupRoleCan = defineRule<'resource'>({
  id: 'coverage.backup-role-can',
  title: "The role a resource's selection passes to AWS Backup may back it up",
  area: 'coverage',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  // The bucket's default key decides which KMS actions are simulated: without it, none would be.
  permissions: { collect: ['s3:GetEncryptionConfiguration', 'iam:SimulatePrincipalPolicy'] },
  proposes: [],
  example:
    "SSE-KMS bucket whose selection's role may not kms:Decrypt the bucket key -> NON_COMPLIANT: the job would skip its objects",
  evaluate({ resource }, { index, inventory }) {
    const roles = new Set<string>();
    for (const plan of inventory.backupPlans) {
      if (regionOf(plan.BackupPlanArn) !== resource.Region) continue;
      for (const sel of index.selectionsByPlanId.get(plan.BackupPlanId) ?? [])
        if (sel.IamRoleArn && matchSelection(sel, resource, index).selected) roles.add(sel.IamRoleArn);
    }
    if (roles.size === 0) return notApplicable('no selection picks it (coverage.selected says so)');
    return [...roles].map((role): Outcome => {
      const check = inventory.roleChecks.find((c) => c.RoleArn === role && c.ResourceArn === resource.Arn);
      if (!check) {
        const failed = index.error(`${role}|${resource.Arn}`);
        if (failed?.Code === 'NoSuchEntityException' || failed?.Code === 'NoSuchEntity')
          return nonCompliant(`the selection passes ${role}, which does not exist: every backup job fails`, {
            expected: 'an existing role',
            actual: 'NoSuchEntity',
          });
        return cannotEvaluate(
          `could not evaluate ${role}: iam:SimulatePrincipalPolicy ${failed ? `failed with ${failed.Code}` : 'was not run'}`,
        );
      }
      const scope =
        'identity policies and permissions boundary simulated; key policies, bucket policies and SCPs are not';
      if (check.Denied.length === 0)
        return compliant(`${role} may do all ${check.Checked} actions a backup of it needs (${scope})`);
      const shown = check.Denied.slice(0, 5).map((d) => `${d.Action} on ${d.Resource} (${d.Decision})`);
      const keyOnly = check.Denied.every((d) => d.Action.startsWith('kms:'));
      // point-in-time-recovery-copying.html: without it the copy still lands.
      const temporaryOnly = check.Denied.every((d) => /^rds:DeleteDB(Cluster)?Snapshot$/.test(d.Action));
      const effect = temporaryOnly
        ? 'each copy of its continuous backups leaves an expired recovery point to delete by hand (AWS Backup cannot remove the temporary snapshot)'
        : keyOnly && resource.Type === 'AWS::S3::Bucket'
          ? 'the backup "succeeds" with the objects under that key skipped'
          : 'its backup jobs fail';
      return nonCompliant(
        `${role} may not ${shown.join(', ')}${check.Denied.length > 5 ? ` and ${check.Denied.length - 5} more` : ''}: ${effect} (${scope})`,
        { expected: `all ${check.Checked} actions allowed`, actual: `${check.Denied.length} not allowed` },
      );
    });
  },
});

export const coverageRules = [
  discovery,
  policyDeclared,
  selected,
  singlePlan,
  resourceTypeOptIn,
  backupRoleCan,
];
