/**
 * What the Lambda functions do, behind thin handlers: settings from the environment, the policy
 * file bundled at build time, and the three use-cases (resource change, Config rule, sweep).
 */
import { signalsFromFindings } from '../alerts/sweep-signals.js';
import type { IncidentRecord } from '../alerts/types.js';
import type { Aws } from '../aws/clients.js';
import { type BackupStateCache, collectResource } from '../inventory/collect/index.js';
import type { PolicySet } from '../policy/index.js';
import { type ActionResult, executePlan } from '../remediation/execute.js';
import { planRemediation } from '../remediation/planner.js';
import { audit } from '../rules/engine.js';
import type { Finding } from '../rules/types.js';
import { type AlertDeps, type AlertOutcome, alertOn } from './alerts.js';
import type { AuditResult } from './audit.js';
import { targetsOf } from './events.js';
import { defaultBackupRole, fixAccount } from './live.js';
import type { RemediationMode, Settings } from './settings.js';

export { type RemediationMode, type Settings, settingsFrom } from './settings.js';

export interface ResourceOutcome {
  arn: string;
  findings: Finding[];
  results: ActionResult[];
  /** Why the resource could not be audited, if it could not. */
  skipped?: string;
}

export type ChangeOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'sweep'; reason: string; result: AuditResult; results: ActionResult[] }
  | { kind: 'resources'; outcomes: ResourceOutcome[] };

/**
 * on-resource-change: audit (and heal, per the mode) what the event concerns. `cache`: the AWS
 * Backup state of the container (functions/shared/container.ts), reused between events and
 * forgotten for each region a fix was applied in, so that the next event judges what is there now.
 */
export async function onResourceChange(
  aws: Aws,
  event: unknown,
  policies: PolicySet,
  settings: Settings,
  now: Date,
  cache?: BackupStateCache,
): Promise<ChangeOutcome> {
  const targets = targetsOf(event, settings.ownRoleArns);
  if (targets.kind === 'ignored') return targets;
  if (targets.kind === 'sweep') {
    const swept = await sweep(aws, policies, settings, now);
    forgetFixedRegions(cache, swept.results);
    return { kind: 'sweep', reason: targets.reason, ...swept };
  }
  const outcomes: ResourceOutcome[] = [];
  for (const arn of targets.arns) {
    // One resource that cannot be read (deleted since the event, say) never stops the others.
    let inventory: Awaited<ReturnType<typeof collectResource>>;
    try {
      inventory = await collectResource(aws, arn, {
        policies,
        now,
        ...(cache ? { cache } : {}),
        ...(settings.drRoleArn ? { drRoleArn: settings.drRoleArn } : {}),
      });
    } catch (e) {
      outcomes.push({
        arn,
        findings: [],
        results: [],
        skipped: `${(e as Error).name}: ${(e as Error).message}`,
      });
      continue;
    }
    const findings = audit(inventory, policies, { now });
    const plan = planRemediation(
      findings,
      settings.vaultEventsTopicArn ? { alertTopicArn: settings.vaultEventsTopicArn } : {},
    );
    const results =
      settings.mode === 'off'
        ? []
        : await executePlan(aws, plan.actions, {
            apply: settings.mode === 'on',
            maxChanges: settings.maxChanges,
            backupRoleArn: settings.backupRoleArn ?? defaultBackupRole(inventory),
            ...(settings.backupRoles ? { backupRoles: settings.backupRoles } : {}),
            accountId: inventory.accountId,
            ownedPlansOnly: true,
          });
    forgetFixedRegions(cache, results);
    outcomes.push({
      arn,
      findings: findings.filter((f) => f.status === 'NON_COMPLIANT' || f.status === 'ERROR'),
      results,
    });
  }
  return { kind: 'resources', outcomes };
}

/**
 * Drops the cached AWS Backup state of every region whose state is now other than it was read: a
 * fix applied there, one another run made first, or a write that failed (it may have landed).
 */
const changedState = (r: ActionResult) =>
  r.status === 'applied' ||
  r.status === 'failed' ||
  (r.status === 'already-done' && (r.before as { by?: unknown } | undefined)?.by === 'another run');

function forgetFixedRegions(cache: BackupStateCache | undefined, results: ActionResult[]): void {
  if (!cache) return;
  const fixed = new Set(results.filter(changedState).map((r) => r.action.region));
  for (const region of fixed) cache.invalidate(region);
}

/** sweep: every tagged resource of the region, healed per the mode. */
export async function sweep(aws: Aws, policies: PolicySet, settings: Settings, now: Date): Promise<Swept> {
  const fixed = await fixAccount(aws, {
    regions: [settings.region],
    policies,
    now,
    ...(settings.readFrom ? { readFrom: settings.readFrom } : {}),
    apply: settings.mode === 'on',
    maxChanges: settings.mode === 'off' ? 0 : settings.maxChanges,
    ...(settings.drRoleArn ? { drRoleArn: settings.drRoleArn } : {}),
    ...(settings.backupRoleArn ? { backupRoleArn: settings.backupRoleArn } : {}),
    ...(settings.backupRoles ? { backupRoles: settings.backupRoles } : {}),
    ...(settings.vaultEventsTopicArn ? { alertTopicArn: settings.vaultEventsTopicArn } : {}),
    ownedPlansOnly: true,
  });
  return {
    result: fixed.audit,
    results: settings.mode === 'off' ? [] : fixed.results,
    healed: settings.mode === 'on' ? fixed.healed : new Set(),
  };
}

export interface Swept {
  result: AuditResult;
  results: ActionResult[];
  /** "resourceArn|ruleId" of the findings this run's fixes healed (the mode "on" only). */
  healed: ReadonlySet<string>;
}

/**
 * After a sweep, what fails silently: copies and recovery points that stopped arriving, and
 * high or critical drift the mode did not heal — each alerted once, when it starts, and
 * recovered when its finding turns COMPLIANT (src/alerts/sweep-signals.ts).
 */
export async function alertAfterSweep(swept: Swept, deps: AlertDeps): Promise<AlertOutcome[]> {
  const open = new Set((await deps.store.open(1000)).map((r) => r.incident));
  const signals = signalsFromFindings(swept.result.findings, {
    account: swept.result.accountId,
    healed: swept.healed,
    open,
    now: deps.now,
  });
  // A sweep repeats what it saw yesterday: no reminders before the incident expires.
  return alertOn(signals, {
    ...deps,
    settings: { ...deps.settings, windowMinutes: deps.settings.ttlDays * 1440 },
  });
}

/** The part of Powertools Metrics the sweep report uses (kept structural: src/app needs no Powertools). */
export interface MetricsSink {
  addMetric(name: string, unit: 'Count', value: number): void;
  singleMetric(): {
    addDimension(name: string, value: string): void;
    addMetric(name: string, unit: 'Count', value: number): void;
  };
}

/**
 * After a sweep: compliance counts per rule and the changes applied as metrics, and the digest to
 * the alert topic (when there is one). Returns the digest's subject.
 */
export async function reportSweep(
  aws: Aws,
  settings: Settings,
  swept: { result: AuditResult; results: ActionResult[] },
  metrics: MetricsSink,
  incidents?: DigestIncidents,
): Promise<string> {
  const { result, results } = swept;
  for (const [rule, byStatus] of Object.entries(countsByRule(result))) {
    const m = metrics.singleMetric();
    m.addDimension('Rule', rule);
    for (const [status, n] of Object.entries(byStatus)) m.addMetric(status, 'Count', n);
  }
  metrics.addMetric('ChangesApplied', 'Count', results.filter((r) => r.status === 'applied').length);
  const { subject, message } = digest(result, results, settings.mode, incidents);
  if (settings.alertTopicArn) {
    await aws
      .sns(settings.region)
      .send(
        (sdk) =>
          new sdk.PublishCommand({ TopicArn: settings.alertTopicArn, Subject: subject, Message: message }),
      );
  }
  return subject;
}

/** Compliance counts by rule and status, for metrics and the digest. */
export function countsByRule(result: AuditResult): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const f of result.findings) {
    const byStatus = out[f.ruleId] ?? {};
    byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    out[f.ruleId] = byStatus;
  }
  return out;
}

/** The sweep digest sent to the alert topic: what is wrong, what changed. Short enough for SNS. */
/** What the digest says of incidents: sent this run (new, recovered), and the oldest still open. */
export interface DigestIncidents {
  sent: AlertOutcome[];
  open: IncidentRecord[];
}

/** Findings by policy and status ("gold: 3 non-compliant, 1 error, 20 compliant"). */
function byPolicy(result: AuditResult): string[] {
  const counts = new Map<string, Record<string, number>>();
  for (const f of result.findings) {
    const key = f.policy ?? '(no policy)';
    const c = counts.get(key) ?? {};
    c[f.status] = (c[f.status] ?? 0) + 1;
    counts.set(key, c);
  }
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([policy, c]) =>
        `  ${policy}: ${c.NON_COMPLIANT ?? 0} non-compliant, ${c.ERROR ?? 0} errors, ${c.COMPLIANT ?? 0} compliant`,
    );
}

function incidentLines(incidents: DigestIncidents | undefined, now: string): string[] {
  if (!incidents) return [];
  const newly = incidents.sent.filter((o) => o.sent === 'alert');
  const healed = incidents.sent.filter((o) => o.sent === 'recovery');
  const age = (r: IncidentRecord) => Math.floor((Date.parse(now) - Date.parse(r.openedAt)) / 86_400_000);
  return [
    '',
    `New since the last digest: ${newly.length}${newly.length ? '' : '.'}`,
    ...newly.slice(0, 20).map((o) => `  ${o.subject ?? o.incident}`),
    `Recovered: ${healed.length}${healed.length ? '' : '.'}`,
    ...healed.slice(0, 20).map((o) => `  ${o.subject ?? o.incident}`),
    `Still open: ${incidents.open.length}${incidents.open.length ? ' (oldest first)' : '.'}`,
    ...incidents.open
      .slice(0, 10)
      .map((r) => `  ${r.title} — open ${age(r)} day(s), ${r.count} signal(s) [${r.severity}]`),
  ];
}

export function digest(
  result: AuditResult,
  results: ActionResult[],
  mode: RemediationMode,
  incidents?: DigestIncidents,
): { subject: string; message: string } {
  const s = result.summary;
  const failing = Object.entries(countsByRule(result))
    .filter(([, c]) => (c.NON_COMPLIANT ?? 0) + (c.ERROR ?? 0) > 0)
    .map(([rule, c]) => `  ${rule}: ${c.NON_COMPLIANT ?? 0} non-compliant, ${c.ERROR ?? 0} errors`);
  const changed = results
    .filter((r) => r.status === 'applied' || r.status === 'failed' || r.status === 'refused')
    .map((r) => `  ${r.status}: ${r.summary}${r.status === 'refused' && r.reason ? ` (${r.reason})` : ''}`);
  const subject = `backup-sentinel ${result.accountId}: ${s.byStatus.NON_COMPLIANT} non-compliant, ${s.byStatus.ERROR} errors`;
  const message = [
    `Account ${result.accountId}, ${s.resources} resources, evaluated ${result.evaluatedAt} (remediation: ${mode}).`,
    '',
    failing.length ? 'Failing checks:' : 'No failing checks.',
    ...failing,
    '',
    'By policy:',
    ...byPolicy(result),
    '',
    changed.length ? 'Changes:' : 'No changes made.',
    ...changed,
    ...incidentLines(incidents, result.evaluatedAt),
  ].join('\n');
  return { subject: subject.slice(0, 99), message: message.slice(0, 200_000) };
}
