/**
 * What a sweep has to tell: the things that fail silently (no event is sent for a copy that never
 * runs) and the drift the mode could not heal. Pure: findings in, signals out. A signal is failing
 * on every run it stays failing; the incident table turns that into one alert on the transition.
 * Recoveries are signalled only for incidents that are open, so a sweep of 10,000 compliant
 * resources reads nothing for them.
 */
import type { Finding, Severity } from '../rules/types.js';
import { consoleUrl } from './console.js';
import type { AlertKind, AlertSeverity, Signal } from './types.js';

/** Rules whose failure means a backup or copy has stopped arriving (no event would say so). */
const MISSING: Record<string, { kind: AlertKind; meaning: string }> = {
  'copies.recent': {
    kind: 'copy-missing',
    meaning:
      'No recent copy landed in the destination vault: losing this Region or account now loses the backups newer than the last copy.',
  },
  'recency.recovery-point': {
    kind: 'backup-missing',
    meaning: 'No recovery point within the RPO: a restore now loses more data than the policy allows.',
  },
};

const LOUD: readonly Severity[] = ['critical', 'high'];

export interface SweepSignalOptions {
  account: string;
  /** "ruleId|resourceArn" of the findings this run's fixes applied or found already done. */
  healed: ReadonlySet<string>;
  /** The incident keys open in the incident table (store.open). */
  open: ReadonlySet<string>;
  now: Date;
}

export const findingIncident = (f: Pick<Finding, 'ruleId' | 'resourceArn'>) => `${f.resourceArn}|${f.ruleId}`;

export function signalsFromFindings(findings: readonly Finding[], o: SweepSignalOptions): Signal[] {
  const out: Signal[] = [];
  for (const f of findings) {
    const incident = findingIncident(f);
    const missing = MISSING[f.ruleId];
    const failing =
      f.status === 'NON_COMPLIANT' &&
      (missing !== undefined || (LOUD.includes(f.severity) && !o.healed.has(incident)));
    if (failing) out.push(signal(f, incident, 'failing', missing, o));
    else if (f.status === 'COMPLIANT' && o.open.has(incident))
      out.push(signal(f, incident, 'recovered', missing, o));
  }
  return out;
}

function signal(
  f: Finding,
  incident: string,
  state: Signal['state'],
  missing: (typeof MISSING)[string] | undefined,
  o: SweepSignalOptions,
): Signal {
  const name = f.resourceArn.split(':').slice(5).join(':') || f.resourceArn;
  return {
    kind: missing?.kind ?? 'finding-unhealed',
    state,
    incident,
    severity: f.severity as AlertSeverity,
    title: `${missing ? (missing.kind === 'copy-missing' ? 'No recent copy' : 'No recent backup') : `Not healed (${f.ruleId})`}: ${name}`,
    account: o.account,
    region: f.region,
    resourceArn: f.resourceArn,
    resourceType: f.resourceType,
    ...(f.policy ? { policy: f.policy } : {}),
    reason: f.message,
    meaning:
      missing?.meaning ??
      `${f.severity} finding the remediation mode did not heal${f.remediate ? '' : ' (the resource is audit-only)'}: ${f.expected ? `expected ${f.expected}` : f.message}.`,
    nextSteps: [
      `backup-sentinel plan --region ${f.region} shows the fix, if there is one`,
      ...(f.actual ? [`found: ${f.actual}`] : []),
    ],
    consoleUrl: consoleUrl(f.region),
    at: o.now.toISOString(),
    ruleId: f.ruleId,
  };
}
