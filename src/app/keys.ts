/**
 * rotateKeyMaterial: which keys an invocation concerns (pure), the rotation of each, and the
 * alerts of the failed ones. Invoked daily, when this stack is deployed (CloudFormation stack
 * status change: the first run for keys still PendingImport), and when a key is created or tagged.
 */
import { signalsFromRotation } from '../alerts/key-rotation.js';
import type { Aws } from '../aws/clients.js';
import { type KeyOutcome, type RotateOptions, rotateAll } from '../keys/rotate.js';
import { obj } from '../maps.js';
import type { PolicySet } from '../policy/index.js';
import { type AlertDeps, type AlertOutcome, alertOn } from './alerts.js';
import type { Settings } from './settings.js';

export type RotationTargets =
  | { kind: 'all'; reason: string }
  | { kind: 'key'; keyId: string; reason: string }
  | { kind: 'ignored'; reason: string };

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** KMS calls that make a key to manage appear: created with imported material, or tagged. */
export const KMS_CALLS = ['CreateKey', 'TagResource', 'ReplicateKey'];

export function rotationTargets(
  event: unknown,
  optInTag: string,
  ownRoleArns: readonly string[] = [],
): RotationTargets {
  const e = obj(event);
  const type = str(e['detail-type']);
  if (type === 'Scheduled Event') return { kind: 'all', reason: 'scheduled run' };
  if (type === 'CloudFormation Stack Status Change')
    return {
      kind: 'all',
      reason: `stack ${str(obj(obj(e.detail)['status-details']).status) ?? 'changed'}: first run for keys awaiting material`,
    };
  if (type !== 'AWS API Call via CloudTrail')
    return { kind: 'ignored', reason: `not a rotation trigger: ${type ?? 'no detail-type'}` };
  const d = obj(e.detail);
  const caller = str(obj(obj(obj(d.userIdentity).sessionContext).sessionIssuer).arn);
  if (caller && ownRoleArns.includes(caller)) return { kind: 'ignored', reason: 'our own call' };
  const name = str(d.eventName);
  const req = obj(d.requestParameters);
  if (name === 'CreateKey') {
    const meta = obj(obj(d.responseElements).keyMetadata);
    const arn = str(meta.arn);
    if (str(meta.origin) !== 'EXTERNAL' || !arn)
      return { kind: 'ignored', reason: 'a key whose material KMS generates' };
    return { kind: 'key', keyId: arn, reason: 'key created for imported material' };
  }
  if (name === 'TagResource') {
    const tags = Array.isArray(req.tags) ? req.tags.map(obj) : [];
    const optIn = tags.some((t) => str(t.tagKey) === optInTag && str(t.tagValue) === 'escrow');
    const keyId = str(req.keyId);
    if (!optIn || !keyId) return { kind: 'ignored', reason: `no ${optInTag}=escrow tag added` };
    return { kind: 'key', keyId, reason: `tagged ${optInTag}=escrow` };
  }
  if (name === 'ReplicateKey') {
    const keyId = str(req.keyId);
    return keyId
      ? { kind: 'key', keyId, reason: 'multi-Region replica created: it needs the material' }
      : { kind: 'ignored', reason: 'no key id' };
  }
  return { kind: 'ignored', reason: `not a rotation trigger: ${name ?? 'no eventName'}` };
}

export interface RotationRun {
  targets: RotationTargets;
  outcomes: KeyOutcome[];
  alerts: AlertOutcome[];
}

export async function rotateKeyMaterial(
  aws: Aws,
  event: unknown,
  policies: PolicySet,
  settings: Settings & { accountId: string },
  now: Date,
  deps?: AlertDeps,
  escrow?: RotateOptions['escrow'],
): Promise<RotationRun> {
  const targets = rotationTargets(event, policies.keyMaterial.optInTag, settings.ownRoleArns);
  const mode = settings.keyRotationMode ?? 'on';
  if (targets.kind === 'ignored' || mode === 'off') return { targets, outcomes: [], alerts: [] };
  const outcomes = await rotateAll(
    aws,
    [settings.region],
    {
      apply: mode === 'on',
      now,
      accountId: settings.accountId,
      settings: policies.keyMaterial,
      ...(escrow ? { escrow } : {}),
    },
    targets.kind === 'key' ? targets.keyId : undefined,
  );
  const signals = signalsFromRotation(outcomes, {
    account: settings.accountId,
    region: settings.region,
    now,
  });
  const alerts = deps ? await alertOn(signals, deps) : [];
  return { targets, outcomes, alerts };
}
