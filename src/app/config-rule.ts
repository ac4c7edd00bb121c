/**
 * The AWS Config custom rule. Contract (evaluate-config_develop-rules_nodejs): invokingEvent and
 * ruleParameters are JSON strings; three message types; every invocation is answered with
 * PutEvaluations (chunks of 100, annotation ≤ 256 characters, OrderingTimestamp = the item's
 * capture time), except with the result token TESTMODE. Deleted or out-of-scope resources and
 * types we do not audit are NOT_APPLICABLE. Config does not accept INSUFFICIENT_DATA from a rule, so
 * what cannot be evaluated is NON_COMPLIANT with a "could not evaluate" annotation.
 */
import type { Evaluation, ResourceType } from '@aws-sdk/client-config-service';
import type { Aws } from '../aws/clients.js';
import { parseArn } from '../inventory/arn.js';
import type { ReadFrom } from '../inventory/collect/config-route.js';
import { type BackupStateCache, collectInventory, collectResource } from '../inventory/collect/index.js';
import { resourceFromConfigItem } from '../inventory/config-item.js';
import type { Inventory, Resource } from '../inventory/schema.js';
import type { PolicySet } from '../policy/index.js';
import { resolvePolicy } from '../policy/resolve.js';
import { audit } from '../rules/engine.js';
import type { Finding } from '../rules/types.js';

export interface ConfigRuleEvent {
  invokingEvent: string;
  ruleParameters?: string;
  resultToken: string;
  eventLeftScope?: boolean;
  configRuleArn?: string;
  configRuleName?: string;
  accountId?: string;
}

/**
 * Why an invocation is not ours to answer: the invoke permission can only name the account's
 * Config rules (the rule's ARN is generated after it), so the rule name is checked here.
 */
export function notOurRule(event: { configRuleName?: unknown }, ourRule: string | undefined) {
  if (!ourRule || event.configRuleName === ourRule) return undefined;
  return `invoked by Config rule ${JSON.stringify(event.configRuleName ?? null)}, not ${ourRule}`;
}

interface Invoking {
  messageType?: string;
  configurationItem?: Record<string, unknown>;
  configurationItemSummary?: Record<string, unknown>;
  notificationCreationTime?: string;
}

export const AUDITED_TYPES = ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'];
const CHUNK = 100;
const ANNOTATION_MAX = 256;

export class InvalidConfigEventError extends Error {
  override name = 'InvalidConfigEventError';
}

/** Worst of a resource's findings -> a Config evaluation. */
export function evaluationFor(
  findings: Finding[],
  resourceType: string,
  resourceId: string,
  at: Date,
): Evaluation {
  const failing = findings.filter((f) => f.status === 'NON_COMPLIANT');
  // What the function was not set up to read (another region, no DR role) is named, never decides.
  const unread = findings.filter((f) => f.status === 'ERROR' && f.outOfScope);
  const errors = findings.filter((f) => f.status === 'ERROR' && !f.outOfScope);
  const relevant = findings.filter((f) => f.status === 'COMPLIANT');
  const compliance =
    failing.length || errors.length ? 'NON_COMPLIANT' : relevant.length ? 'COMPLIANT' : 'NOT_APPLICABLE';
  const shown = failing.length ? failing : errors;
  const parts = [
    ...(shown.length
      ? [
          `${shown.length} ${failing.length ? 'failing' : 'could not evaluate'}: ${shown.map((f) => `${f.ruleId}: ${f.message}`).join('; ')}`,
        ]
      : []),
    ...(unread.length ? [`not checked: ${unread.map((f) => `${f.ruleId}: ${f.message}`).join('; ')}`] : []),
  ];
  const annotation = parts.length ? parts.join(' | ') : undefined;
  return {
    ComplianceResourceType: resourceType,
    ComplianceResourceId: resourceId,
    ComplianceType: compliance,
    ...(annotation
      ? {
          Annotation:
            annotation.length > ANNOTATION_MAX ? `${annotation.slice(0, ANNOTATION_MAX - 3)}...` : annotation,
        }
      : {}),
    OrderingTimestamp: at,
  };
}

/** A resource's findings: its own, and those of the plan, vaults and keys its policy uses. */
function findingsOf(inventory: Inventory, policies: PolicySet, arn: string, all: Finding[]): Finding[] {
  const resource = inventory.resources.find((r) => r.Arn === arn);
  const resolution = resource ? resolvePolicy(resource.Tags, policies) : undefined;
  if (resolution?.kind === 'opt-out') return [];
  const policy = resolution?.kind === 'policy' ? resolution.policy.name : undefined;
  return all.filter(
    (f) =>
      f.resourceArn === arn ||
      (policy !== undefined && f.policy === policy && !AUDITED_TYPES.includes(f.resourceType)),
  );
}

/** Config's resourceId: the bucket name; DbiResourceId / DbClusterResourceId for databases. */
function configId(r: Resource): string {
  if (r.Type === 'AWS::S3::Bucket') return r.Name;
  const id = r.Type === 'AWS::RDS::DBInstance' ? r.DbiResourceId : r.DbClusterResourceId;
  return typeof id === 'string' ? id : (parseArn(r.Arn)?.resource.split(':')[1] ?? r.Arn);
}

export async function evaluateConfigEvent(
  aws: Aws,
  event: ConfigRuleEvent,
  deps: { policies: PolicySet; now: Date; drRoleArn?: string; cache?: BackupStateCache; readFrom?: ReadFrom },
): Promise<Evaluation[]> {
  const dr = deps.drRoleArn ? { drRoleArn: deps.drRoleArn } : {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(event.invokingEvent));
  } catch {
    throw new InvalidConfigEventError('invokingEvent is not JSON');
  }
  if (!isObject(parsed)) throw new InvalidConfigEventError('invokingEvent is not a JSON object');
  const invoking = parsed as Invoking;
  const region =
    parseArn(typeof event.configRuleArn === 'string' ? event.configRuleArn : '')?.region || 'us-east-1';

  if (invoking.messageType === 'ScheduledNotification') {
    const at = dateOr(invoking.notificationCreationTime, deps.now);
    const inventory = await collectInventory(aws, {
      regions: [region],
      policies: deps.policies,
      now: deps.now,
      ...(deps.readFrom ? { readFrom: deps.readFrom } : {}),
      ...dr,
    });
    const findings = audit(inventory, deps.policies, { now: deps.now });
    return inventory.resources.map((r) => {
      const mine = findingsOf(inventory, deps.policies, r.Arn, findings);
      return evaluationFor(mine, r.Type, configId(r), at);
    });
  }

  if (
    invoking.messageType !== 'ConfigurationItemChangeNotification' &&
    invoking.messageType !== 'OversizedConfigurationItemChangeNotification'
  ) {
    throw new InvalidConfigEventError(`unknown messageType ${invoking.messageType}`);
  }
  // From here on the resource is known, so every outcome is answered.
  const item0 = isObject(invoking.configurationItem) ? invoking.configurationItem : undefined;
  const summary =
    item0 ?? (isObject(invoking.configurationItemSummary) ? invoking.configurationItemSummary : {});
  const type = summary.resourceType;
  const id = summary.resourceId;
  // Without both, there is nothing Config could be answered about.
  if (typeof type !== 'string' || type === '' || typeof id !== 'string' || id === '')
    throw new InvalidConfigEventError('the configuration item names no resourceType and resourceId');
  const answer = (
    ComplianceType: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE',
    at: Date,
    Annotation?: string,
  ): Evaluation[] => [
    {
      ComplianceResourceType: type,
      ComplianceResourceId: id,
      ComplianceType,
      ...(Annotation ? { Annotation: Annotation.slice(0, ANNOTATION_MAX) } : {}),
      OrderingTimestamp: at,
    },
  ];
  let at = dateOr(summary.configurationItemCaptureTime, deps.now);
  // Only a real `true` means the resource left the rule's scope ("false" as text does not).
  if (event.eventLeftScope === true) return answer('NOT_APPLICABLE', at);
  try {
    let item = item0;
    if (!item) {
      const history = await aws.config(region).send(
        (sdk) =>
          new sdk.GetResourceConfigHistoryCommand({
            resourceType: type as ResourceType,
            resourceId: id,
            limit: 1,
          }),
      );
      item = history.configurationItems?.[0] as Record<string, unknown> | undefined;
      if (!item) return answer('NOT_APPLICABLE', at, 'no configuration item recorded');
    }
    const result = resourceFromConfigItem(item);
    at = dateOr(result.capturedAt, at);
    if (result.kind !== 'resource') return answer('NOT_APPLICABLE', at);
    if (resolvePolicy(result.resource.Tags, deps.policies).kind === 'opt-out')
      return answer('NOT_APPLICABLE', at, 'explicit opt-out');
    const inventory = await collectResource(aws, result.resource.Arn, {
      policies: deps.policies,
      now: deps.now,
      // A setting the item carries in a shape not known is read directly, as the whole resource.
      ...(result.unproven ? {} : { resource: result.resource }),
      ...(deps.cache ? { cache: deps.cache } : {}),
      ...dr,
    });
    const findings = audit(inventory, deps.policies, { now: deps.now });
    return [evaluationFor(findingsOf(inventory, deps.policies, result.resource.Arn, findings), type, id, at)];
  } catch (e) {
    return answer('NON_COMPLIANT', at, `could not evaluate: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A real instant from an ISO-8601 string, else the fallback (Invalid Date never reaches the SDK). */
function dateOr(value: unknown, fallback: Date): Date {
  const d = typeof value === 'string' ? new Date(value) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : fallback;
}

/** Sends the evaluations in chunks of 100; nothing is sent for the TESTMODE token. */
export async function putEvaluations(
  aws: Aws,
  region: string,
  resultToken: string,
  evaluations: Evaluation[],
): Promise<number> {
  if (resultToken === 'TESTMODE') return 0;
  let calls = 0;
  for (let i = 0; i < evaluations.length || i === 0; i += CHUNK) {
    await aws.config(region).send(
      (sdk) =>
        new sdk.PutEvaluationsCommand({
          ResultToken: resultToken,
          Evaluations: evaluations.slice(i, i + CHUNK),
        }),
    );
    calls++;
  }
  return calls;
}
