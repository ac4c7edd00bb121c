/**
 * AWS Backup resource assignment, as documented (API_BackupSelection, assigning-resources):
 * - `Resources` (ARN patterns) OR `ListOfTags` (StringEquals, any one suffices) pick resources;
 *   with neither, every supported and opted-in resource is picked;
 * - `Conditions` narrow the pick: every condition must hold (AND);
 * - `NotResources` always excludes;
 * - picks by tag or by service-wide pattern (`*`, `arn:aws:rds:*`) need the resource type's
 *   regional opt-in; a pattern naming the resource type (`arn:aws:rds:*:*:db:*`) does not —
 *   except for Aurora, Neptune and DocumentDB, whose cluster ARNs are shared with RDS, and S3,
 *   whose bucket ARNs name no type (`arn:aws:s3:::*` needs the S3 opt-in).
 * A tag that is absent satisfies StringNotEquals/StringNotLike and fails StringEquals/StringLike.
 */

import { arnMatches, likeMatches, parseArn } from '../inventory/arn.js';
import { backupResourceType, type InventoryIndex } from '../inventory/index.js';
import type { BackupSelection, Resource } from '../inventory/schema.js';
import { own } from '../maps.js';

export interface SelectionResult {
  /** undefined: it depends on something that was not read (the region's opt-in). */
  selected: boolean | undefined;
  /** Why not (or how), for messages. */
  reason: string;
}

/** Types whose cluster ARNs RDS shares: they need the opt-in even when named by type (assigning-resources). */
const SHARED_ARN_TYPES = new Set(['Aurora', 'Neptune', 'DocumentDB']);

const tagKey = (conditionKey: string) => conditionKey.replace(/^aws:ResourceTag\//, '');

export function matchSelection(sel: BackupSelection, r: Resource, index: InventoryIndex): SelectionResult {
  const excludedBy = sel.NotResources.find((p) => arnMatches(p, r.Arn));
  if (excludedBy) return { selected: false, reason: `excluded by NotResources ${excludedBy}` };

  const byPattern = sel.Resources.find((p) => arnMatches(p, r.Arn));
  const byTag = sel.ListOfTags.find((c) => own(r.Tags, tagKey(c.ConditionKey)) === c.ConditionValue);
  const pickAll = sel.Resources.length === 0 && sel.ListOfTags.length === 0;
  if (!pickAll && !byPattern && !byTag) {
    return { selected: false, reason: 'matches neither its Resources nor its ListOfTags' };
  }

  const failed = failedCondition(sel, r.Tags);
  if (failed) return { selected: false, reason: `condition ${failed} not met` };

  const type = backupResourceType(r);
  const needsOptIn = SHARED_ARN_TYPES.has(type) || !byPattern || !namesResourceType(byPattern);
  const opted = needsOptIn ? index.optedIn(r.Region, type) : true;
  if (opted === false) {
    return { selected: false, reason: `resource type ${type} is not opted in for AWS Backup in ${r.Region}` };
  }
  if (opted === undefined && index.scope.unread('backup:DescribeRegionSettings', r.AccountId, r.Region)) {
    // Picked, but only if the region's opt-in is on, and that was not read.
    return {
      selected: undefined,
      reason: `picked only if ${type} is opted in in ${r.Region}, which was not read`,
    };
  }
  const how = byPattern
    ? `Resources ${byPattern}`
    : byTag
      ? `tag ${byTag.ConditionKey}=${byTag.ConditionValue}`
      : 'all resources';
  return { selected: true, reason: `selected by ${how}` };
}

function failedCondition(sel: BackupSelection, tags: Record<string, string>): string | undefined {
  const c = sel.Conditions;
  const show = (op: string, k: string, v: string) => `${op}(${k}, ${v})`;
  for (const { ConditionKey: k, ConditionValue: v } of c.StringEquals)
    if (own(tags, tagKey(k)) !== v) return show('StringEquals', k, v);
  for (const { ConditionKey: k, ConditionValue: v } of c.StringNotEquals)
    if (own(tags, tagKey(k)) === v) return show('StringNotEquals', k, v);
  for (const { ConditionKey: k, ConditionValue: v } of c.StringLike) {
    const t = own(tags, tagKey(k));
    if (t === undefined || !likeMatches(v, t)) return show('StringLike', k, v);
  }
  for (const { ConditionKey: k, ConditionValue: v } of c.StringNotLike) {
    const t = own(tags, tagKey(k));
    if (t !== undefined && likeMatches(v, t)) return show('StringNotLike', k, v);
  }
  return undefined;
}

/**
 * True for patterns such as arn:aws:rds:*:*:db:* (the resource part starts with a literal type).
 * S3 bucket ARNs have no resource-type part (arn:aws:s3:::NAME), so no S3 pattern names the
 * type: AWS documents only "service name" selections (opt-in needed) and "resource type"
 * selections (opt-in not needed), and an S3 pattern is read as the former (assigning-resources-json).
 */
function namesResourceType(pattern: string): boolean {
  const arn = parseArn(pattern);
  const resource = arn?.resource ?? '';
  return arn?.service !== 's3' && resource !== '' && !resource.startsWith('*');
}

/** Every plan (in the resource's region) with a selection that picks the resource. */
export function plansSelecting(r: Resource, index: InventoryIndex) {
  const out: { planName: string; selectionName: string }[] = [];
  for (const plan of index.inventory.backupPlans) {
    if (parseArn(plan.BackupPlanArn)?.region !== r.Region) continue;
    const hit = (index.selectionsByPlanId.get(plan.BackupPlanId) ?? []).find(
      (s) => matchSelection(s, r, index).selected,
    );
    if (hit) out.push({ planName: plan.BackupPlanName, selectionName: hit.SelectionName });
  }
  return out;
}
