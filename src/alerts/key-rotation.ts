/**
 * Signals from the rotator's outcomes (pure): a key whose run failed is an incident (alerted once,
 * reminded per the window), a key whose next run succeeds recovers it. Outcomes never carry
 * material, so neither do the signals.
 */
import { parseArn } from '../inventory/arn.js';
import type { KeyOutcome } from '../keys/rotate.js';
import type { Signal } from './types.js';

export const keyIncident = (keyArn: string) => `${keyArn}|key-rotation`;

/** The KMS console page of a key (the console's own address-bar form). */
export function kmsConsoleUrl(keyArn: string): string {
  const a = parseArn(keyArn);
  if (!a?.region) return 'https://console.aws.amazon.com/kms/home';
  return `https://${a.region}.console.aws.amazon.com/kms/home?region=${a.region}#/kms/keys/${a.resource.replace(/^key\//, '')}`;
}

export function signalsFromRotation(
  outcomes: KeyOutcome[],
  o: { account: string; region: string; now: Date },
): Signal[] {
  return outcomes.flatMap((out): Signal[] => {
    if (out.status === 'skipped' || out.status === 'planned') return [];
    const failing = out.status === 'failed';
    const region = parseArn(out.keyArn)?.region || o.region;
    const importedNothing = !out.steps.some(
      (s) => s.call.includes('ImportKeyMaterial') && s.status === 'done',
    );
    return [
      {
        kind: 'key-rotation-failed',
        state: failing ? 'failing' : 'recovered',
        incident: keyIncident(out.keyArn),
        severity: 'high',
        title: `Key material rotation failed: ${out.keyArn.split(':').slice(5).join(':') || out.keyArn}`,
        account: o.account,
        region,
        resourceArn: out.keyArn,
        resourceType: 'AWS::KMS::Key',
        reason: out.reason,
        meaning: /not imported \(expired or deleted\)/.test(out.reason)
          ? 'A material KMS no longer holds could not be imported again: while it is missing the whole key is PendingImport and nothing it encrypted can be decrypted. The reason above says what stopped the reimport; backup-sentinel keys restore does it by hand.'
          : importedNothing
            ? 'Nothing was imported: the key keeps its current material and stays usable, but it was not rotated (or an expired material not reimported), and the reason above repeats on every run until it is fixed.'
            : 'New material was imported but the run did not finish: it waits in PENDING_ROTATION (not used to encrypt) with its escrow copies, and the next run completes the rotation.',
        nextSteps: [
          `backup-sentinel keys rotate --key ${out.keyArn} --region ${region} shows what the next run will do`,
          'check that every keyMaterial.escrow destination has resources/escrow-destination.yml deployed and its roles trust this account',
          ...out.steps.filter((s) => s.status === 'failed').map((s) => `failed: ${s.call} on ${s.target}`),
        ],
        consoleUrl: kmsConsoleUrl(out.keyArn),
        at: o.now.toISOString(),
      },
    ];
  });
}
