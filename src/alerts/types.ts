/**
 * Alerts: what went wrong with a backup, copy, restore or vault, as data. A Signal comes from an
 * AWS Backup event or a sweep finding; the incident logic (incidents.ts) turns signals into at
 * most one message per incident and a recovery message when it clears; render.ts formats a
 * message for SNS (AWS chat-channel custom format + readable e-mail text) and for Slack; the
 * stores and deliveries (store.ts, deliver.ts) are the only I/O.
 */

export type AlertSeverity = 'critical' | 'high' | 'medium' | 'low';

export type AlertKind =
  | 'backup-failed'
  | 'backup-completed-with-issues'
  | 'copy-failed'
  | 'restore-failed'
  | 'restore-validation-failed'
  | 'continuous-stopped'
  | 'vault-changed'
  | 'vault-deleted'
  | 'copy-missing'
  | 'backup-missing'
  | 'finding-unhealed'
  | 'key-rotation-failed';

/** One observation: something is failing, or something that failed works again. */
export interface Signal {
  kind: AlertKind;
  /** failing: a problem seen; recovered: the same thing succeeded (the next job, a COMPLIANT finding). */
  state: 'failing' | 'recovered';
  /** Same incident, same key: the resource (or vault) plus the rule id or job kind. */
  incident: string;
  severity: AlertSeverity;
  /** One line, ≤ 100 characters once rendered as a Subject. */
  title: string;
  account: string;
  region: string;
  resourceArn?: string;
  resourceType?: string;
  /** The policy the resource or vault belongs to; absent: outside every policy (said so in the alert). */
  policy?: string;
  jobId?: string;
  /** AWS's own reason (statusMessage), verbatim: user-controlled text, escaped when rendered. */
  reason?: string;
  /** What it means for recovery, in one or two sentences. */
  meaning: string;
  nextSteps: string[];
  consoleUrl: string;
  /** When it happened (ISO-8601). */
  at: string;
  /** The rule behind a sweep signal. */
  ruleId?: string;
  /** The EventBridge detail-type behind an event signal. */
  eventType?: string;
}

/** What the incident table keeps per incident key. */
export interface IncidentRecord {
  incident: string;
  state: 'open' | 'resolved';
  kind: AlertKind;
  severity: AlertSeverity;
  title: string;
  /** First seen failing, last alerted (ISO-8601), signals folded into it since. */
  openedAt: string;
  lastAlertAt: string;
  count: number;
  /** Epoch seconds when DynamoDB may delete it (TTL attribute). */
  expiresAt: number;
  /** Optimistic concurrency: the version this record was read at. */
  version: number;
}

/** What the incident logic decides for one signal. */
export type Decision =
  | { send: 'alert'; record: IncidentRecord; signal: Signal }
  | { send: 'recovery'; record: IncidentRecord; signal: Signal }
  | { send: 'none'; record?: IncidentRecord; why: string };

/** A rendered message, ready for each channel. */
export interface RenderedAlert {
  /** SNS Subject: ≤ 100 characters, no line breaks. */
  subject: string;
  /** SNS message attributes for subscription filter policies (String values). */
  attributes: Record<string, string>;
  /** The SNS Message with MessageStructure=json: { default, email, https, lambda, sqs, … }. */
  snsMessage: string;
  /** The Slack incoming-webhook payload (Block Kit), every user text escaped. */
  slack: unknown;
}

/** The incident table (store.ts implements it on DynamoDB). */
export interface IncidentStore {
  get(incident: string): Promise<IncidentRecord | undefined>;
  /** Writes the record if the stored version is still `record.version - 1` (or absent for 1); false when someone else wrote first. */
  put(record: IncidentRecord): Promise<boolean>;
  /** Open incidents, oldest first (for the digest). */
  open(limit: number): Promise<IncidentRecord[]>;
}
