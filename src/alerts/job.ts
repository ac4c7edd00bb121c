/**
 * What the signals of one backup, copy or restore job share (pure): the resource, the policy whose
 * vault the job used (none: "outside every policy", said in the alert), the job id and its console
 * page. Used by classify.ts and restore.ts.
 */
import { type ConsolePage, consoleUrl } from './console.js';
import {
  type ClassifyContext,
  type Envelope,
  incidentKey,
  shortName,
  str,
  type VaultOwner,
  vaultNameOf,
  vaultOwner,
} from './fields.js';
import type { AlertKind, AlertSeverity, Signal } from './types.js';

export interface Job {
  env: Envelope;
  /** What the incident is about: the resource ARN, or the job when the event names no resource. */
  subject: string;
  /** Short name of the subject for titles. */
  name: string;
  fields: Pick<Signal, 'resourceArn' | 'resourceType' | 'policy' | 'jobId' | 'consoleUrl'>;
  /** Appended to a failing signal's meaning when no policy names the job's vault. */
  outside: string;
}

export interface JobSpec {
  subject: string;
  resourceArn: string | undefined;
  /** Vault names or ARNs the job used, most telling first. */
  vaults: unknown[];
  jobId?: string;
  page?: ConsolePage;
  /** The owner when the caller found it another way (a copy's destination vault). */
  owner?: VaultOwner;
}

export function job(env: Envelope, ctx: ClassifyContext, spec: JobSpec): Job {
  const names = spec.vaults.map((v) => (typeof v === 'string' ? (vaultNameOf(v) ?? str(v)) : undefined));
  const owner = vaultOwner(ctx.policies, names, env.account) ?? spec.owner;
  const vault = names.find((n) => n !== undefined);
  return {
    env,
    subject: spec.subject,
    name: shortName(spec.subject),
    fields: {
      resourceArn: spec.resourceArn,
      resourceType: str(env.detail.resourceType, 64),
      policy: owner?.name,
      jobId: spec.jobId,
      consoleUrl: consoleUrl(env.region, spec.page),
    },
    outside: owner
      ? ''
      : vault === undefined
        ? ' The event does not name the vault, so the policy is not known.'
        : ` No backup-sentinel policy names the vault ${vault}: this job is outside every policy (to protect the resource, tag it with ${ctx.policies.tagKey}).`,
  };
}

/** The part of a signal that differs between failing and recovered. */
export type Part = Pick<Signal, 'kind' | 'state' | 'severity' | 'title' | 'meaning' | 'nextSteps'> & {
  reason?: string;
  /** More of the incident key after account, region and subject (a copy's destination). */
  key?: string[];
};

/** The signal of `job` with `part`. */
export function emit(j: Job, { key, ...part }: Part): Signal {
  const { env } = j;
  return {
    ...part,
    ...j.fields,
    incident: incidentKey(part.kind, env.account, env.region, j.subject, ...(key ?? [])),
    meaning: part.state === 'failing' ? `${part.meaning}${j.outside}` : part.meaning,
    account: env.account,
    region: env.region,
    at: env.at,
    eventType: env.type,
  };
}

/** A recovered part: the job that failed before worked this time. */
export const recovered = (
  kind: AlertKind,
  severity: AlertSeverity,
  title: string,
  meaning: string,
): Part => ({
  kind,
  state: 'recovered',
  severity,
  title,
  meaning,
  nextSteps: [],
});
