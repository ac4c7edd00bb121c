/**
 * The functions' settings, read from the environment once per container. Kept apart from the
 * use-cases so that a function needing only its settings (onBackupEvent) does not load the
 * engine and the collector at cold start.
 */
import type { AlertSeverity } from '../alerts/types.js';
import type { ReadFrom } from '../inventory/collect/config-route.js';
import type { AlertSettings } from './alerts.js';

export type RemediationMode = 'off' | 'dry-run' | 'on';

export interface Settings {
  region: string;
  mode: RemediationMode;
  /** rotateKeyMaterial: on (default: the opt-in tag is the consent), dry-run or off. */
  keyRotationMode?: RemediationMode;
  /**
   * validateRestore: on (default: answers PutRestoreValidationResult), dry-run (logs the verdict
   * only) or off (validates nothing). Absent when RESTORE_VALIDATION is not set: read it as 'on'.
   */
  restoreValidation?: RemediationMode;
  maxChanges: number;
  alertTopicArn?: string;
  /**
   * Where the vaults' SNS notifications go: the function that reads them, never the humans'
   * alert topic (EventBridge already carries every job state change; see README "Alerts").
   */
  vaultEventsTopicArn?: string;
  /** The exact role ARNs of this stack's functions (their own changes are not audited again). */
  ownRoleArns: string[];
  backupRoleArn?: string;
  /**
   * 'template': resources/backup-roles.yml is deployed in this account and Region, and each
   * selection and restore test gets its kind's role from it (src/remediation/backup-roles.ts).
   */
  backupRoles?: 'template';
  drRoleArn?: string;
  /**
   * Where the sweeps read bucket settings: auto (AWS Config where it serves them, else direct) or
   * direct. Absent when READ_FROM is not set: read it as 'auto'.
   */
  readFrom?: ReadFrom;
  /** The Config rule the config-rule function answers (other rules' invocations are dropped). */
  configRuleName?: string;
  /** Alerts: the incident table, the window, the least severity sent, the Slack secret. */
  alerts?: AlertSettings & { incidentTable: string; slackSecretId?: string };
}

const SEVERITIES: readonly AlertSeverity[] = ['critical', 'high', 'medium', 'low'];

function alertSettingsFrom(env: Record<string, string | undefined>): Settings['alerts'] {
  if (!env.INCIDENT_TABLE) return undefined;
  const window = Number(env.ALERT_WINDOW_MINUTES ?? '360');
  const severity = (env.ALERT_MIN_SEVERITY ?? 'medium') as AlertSeverity;
  if (!SEVERITIES.includes(severity))
    throw new Error(`ALERT_MIN_SEVERITY must be one of ${SEVERITIES.join(', ')} (got "${severity}")`);
  return {
    incidentTable: env.INCIDENT_TABLE,
    windowMinutes: Number.isFinite(window) && window >= 0 ? window : 360,
    minSeverity: severity,
    ttlDays: 30,
    ...(env.SLACK_SECRET_ID ? { slackSecretId: env.SLACK_SECRET_ID } : {}),
  };
}

export function settingsFrom(env: Record<string, string | undefined>): Settings {
  const mode = env.REMEDIATION_MODE ?? 'dry-run';
  if (mode !== 'off' && mode !== 'dry-run' && mode !== 'on')
    throw new Error(`REMEDIATION_MODE must be off, dry-run or on (got "${mode}")`);
  const keyMode = env.KEY_ROTATION_MODE ?? 'on';
  if (keyMode !== 'off' && keyMode !== 'dry-run' && keyMode !== 'on')
    throw new Error(`KEY_ROTATION_MODE must be off, dry-run or on (got "${keyMode}")`);
  const restoreValidation = env.RESTORE_VALIDATION || undefined;
  if (
    restoreValidation !== undefined &&
    restoreValidation !== 'off' &&
    restoreValidation !== 'dry-run' &&
    restoreValidation !== 'on'
  )
    throw new Error(`RESTORE_VALIDATION must be off, dry-run or on (got "${restoreValidation}")`);
  const backupRoles = env.BACKUP_ROLES || 'none';
  if (backupRoles !== 'none' && backupRoles !== 'template')
    throw new Error(
      `BACKUP_ROLES must be none or template (got "${backupRoles}"): template once resources/backup-roles.yml is deployed in this account and Region`,
    );
  const readFrom = env.READ_FROM || undefined;
  if (readFrom !== undefined && readFrom !== 'auto' && readFrom !== 'direct')
    throw new Error(`READ_FROM must be auto or direct (got "${readFrom}")`);
  const max = Number(env.MAX_CHANGES ?? '20');
  const alerts = alertSettingsFrom(env);
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    mode,
    keyRotationMode: keyMode,
    maxChanges: Number.isInteger(max) && max >= 0 ? max : 20,
    ...(readFrom ? { readFrom } : {}),
    ...(restoreValidation ? { restoreValidation } : {}),
    ownRoleArns: (env.OWN_ROLE_ARNS ?? '').split(',').filter((a) => a.startsWith('arn:')),
    ...(env.ALERT_TOPIC_ARN ? { alertTopicArn: env.ALERT_TOPIC_ARN } : {}),
    ...(env.VAULT_EVENTS_TOPIC_ARN ? { vaultEventsTopicArn: env.VAULT_EVENTS_TOPIC_ARN } : {}),
    ...(env.BACKUP_ROLE_ARN ? { backupRoleArn: env.BACKUP_ROLE_ARN } : {}),
    ...(backupRoles === 'template' ? { backupRoles } : {}),
    ...(env.DR_ROLE_ARN ? { drRoleArn: env.DR_ROLE_ARN } : {}),
    ...(env.CONFIG_RULE_NAME ? { configRuleName: env.CONFIG_RULE_NAME } : {}),
    ...(alerts ? { alerts } : {}),
  };
}
