/**
 * The recovery runbook "the key material expired / was deleted" (`backup-sentinel keys restore`):
 * for every material KMS lists as PENDING_IMPORT, find its escrow copy by check value (through
 * each destination's reader role), read it, verify it against the check value KMS keeps in the
 * material's KeyMaterialDescription, and import it again under the same KeyMaterialId
 * (EXISTING_KEY_MATERIAL). A dry-run reads and verifies the copies too (reads only: nothing is
 * written or imported) and shows the ImportKeyMaterial calls it would make.
 *
 * Each material is restored on its own: one that fails or cannot be recovered is reported and the
 * others go on. Nothing here returns, logs or throws the material; every buffer that held it is
 * zeroed in `finally`.
 */
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { Aws, KmsApi } from '../aws/clients.js';
import { errorText } from '../errors.js';
import { parseArn } from '../inventory/arn.js';
import type { EscrowDestination, KeyMaterialSettings } from '../policy/index.js';
import { type EscrowCopy, type EscrowStore, readerStore, where } from './escrow.js';
import { describeImport, expiryFor, type ImportHow, importMaterial } from './import.js';
import { checkValue, zero } from './material.js';
import { readKey, type Step } from './rotate.js';
import type { Material } from './state.js';

export type MaterialStatus = 'planned' | 'imported' | 'already-imported' | 'unrecoverable' | 'failed';

/** What the restore did (or would do) for one material KMS lists for the key. */
export interface MaterialRestore {
  id: string;
  /** The check value KMS holds for it (its KeyMaterialDescription), if backup-sentinel imported it. */
  checkValue?: string;
  /** KeyMaterialState: CURRENT, NON_CURRENT, PENDING_ROTATION, … */
  state: string;
  /** ImportState as KMS listed it before the restore. */
  importState: 'IMPORTED' | 'PENDING_IMPORT';
  validTo?: string;
  /** The escrow copy it is (or would be) imported from, or the one refused. */
  source?: { secretArn: string; destination: string };
  status: MaterialStatus;
  detail: string;
  /** The calls made or planned for it, in order (no material, no token). */
  steps: Step[];
}

export interface RestoreResult {
  keyArn: string;
  applied: boolean;
  /** The key state as read before the restore. */
  keyState?: string;
  /** The key state read again after importing (only when something was imported). */
  keyStateAfter?: string;
  /** failed: the key could not be restored, or a material failed or is unrecoverable. */
  status: 'ok' | 'planned' | 'unchanged' | 'failed';
  reason: string;
  materials: MaterialRestore[];
}

export interface RestoreOptions {
  apply: boolean;
  now: Date;
  settings: KeyMaterialSettings;
  /** Read the copies from this destination only (default: the first destination that holds each). */
  from?: { account: string; region: string };
  /** The escrow of a destination, signed by its reader role (tests pass their own). */
  readers?: (d: EscrowDestination) => EscrowStore;
}

/** The escrow stores of the destinations, through each one's reader role. */
export const readerStores = (aws: Aws) => (d: EscrowDestination) => readerStore(aws, d);

const IMPORT_CALL = 'kms:GetParametersForImport+ImportKeyMaterial';
const READ_CALL = 'secretsmanager:GetSecretValue';

/** Why this key's material cannot be restored at all (undefined: it can be tried). */
function notRestorable(key: KeyMetadata, region: string): string | undefined {
  const arn = key.Arn ?? '';
  if (key.KeyState === 'PendingDeletion')
    return (
      `key is PendingDeletion${key.DeletionDate ? ` (to be deleted ${key.DeletionDate.toISOString()})` : ''}: ` +
      'restoring its material does not help while the key is scheduled for deletion. Cancel the deletion first ' +
      `(aws kms cancel-key-deletion --key-id ${arn} --region ${region}), then run keys restore again ` +
      `(a key whose deletion is cancelled comes back Disabled: aws kms enable-key --key-id ${arn} --region ${region})`
    );
  if (key.Origin !== 'EXTERNAL')
    return `origin ${key.Origin ?? '?'}: its material is not imported, so there is nothing to restore`;
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT')
    return `${key.KeySpec}: backup-sentinel escrows only the material of symmetric encryption keys`;
  return undefined;
}

/** One destination's copies of the key, or why they could not be listed. */
type Listing = { store: EscrowStore; copies: EscrowCopy[] } | { store: EscrowStore; error: string };

/**
 * Restores every material of `keyArn` that KMS no longer holds from its escrow copy (dry-run
 * unless `apply`). Never throws: the result says what was done, planned, refused or impossible.
 */
export async function restoreKey(aws: Aws, keyArn: string, o: RestoreOptions): Promise<RestoreResult> {
  const applied = o.apply;
  const failed = (reason: string): RestoreResult => ({
    keyArn,
    applied,
    status: 'failed',
    reason,
    materials: [],
  });
  const a = parseArn(keyArn);
  if (a?.service !== 'kms' || !a.resource.startsWith('key/') || !a.region)
    return failed(`not a KMS key ARN: ${keyArn}`);
  const destinations = o.from
    ? o.settings.escrow.filter((d) => d.account === o.from?.account && d.region === o.from?.region)
    : o.settings.escrow;
  if (o.settings.escrow.length === 0)
    return failed('no keyMaterial.escrow destinations: there is no escrow copy to restore from');
  if (o.from && destinations.length === 0)
    return failed(
      `${where(o.from)} is not a keyMaterial.escrow destination (${o.settings.escrow.map(where).join(', ')})`,
    );

  const kms = aws.kms(a.region);
  let key: KeyMetadata;
  let materials: Material[];
  try {
    ({ key, materials } = await readKey(kms, keyArn));
  } catch (e) {
    return failed(`could not read the key: ${errorText(e)}`);
  }
  const arn = key.Arn ?? keyArn;
  const base = { keyArn: arn, applied, ...(key.KeyState ? { keyState: key.KeyState } : {}) };
  const blocked = notRestorable(key, a.region);
  if (blocked) return { ...base, status: 'failed', reason: blocked, materials: [] };
  if (materials.length === 0)
    return key.KeyState === 'PendingImport'
      ? {
          ...base,
          status: 'failed',
          reason:
            'key is PendingImport but KMS lists no material for it: none was ever imported, so there is nothing to restore (keys rotate --apply imports the first)',
          materials: [],
        }
      : { ...base, status: 'unchanged', reason: 'KMS lists no material for this key', materials: [] };

  // A multi-Region replica shares its primary's materials; their copies are escrowed under the primary.
  const escrowedAs =
    key.MultiRegionConfiguration?.MultiRegionKeyType === 'REPLICA'
      ? (key.MultiRegionConfiguration.PrimaryKey?.Arn ?? arn)
      : arn;
  let listings: Listing[] | undefined;
  const list = async (): Promise<Listing[]> => {
    listings ??= await Promise.all(
      destinations.map(async (d): Promise<Listing> => {
        const store = (o.readers ?? readerStores(aws))(d);
        try {
          return { store, copies: await store.list(escrowedAs) };
        } catch (e) {
          return { store, error: errorText(e) };
        }
      }),
    );
    return listings;
  };

  const out: MaterialRestore[] = [];
  for (const m of materials) {
    const row: MaterialRestore = {
      id: m.id,
      ...(m.checkValue ? { checkValue: m.checkValue } : {}),
      state: m.state,
      importState: m.imported ? 'IMPORTED' : 'PENDING_IMPORT',
      ...(m.validTo ? { validTo: m.validTo.toISOString() } : {}),
      status: 'already-imported',
      detail: 'already imported, left alone',
      steps: [],
    };
    out.push(row);
    if (m.imported) continue;
    try {
      await restoreMaterial(kms, arn, m, row, await list(), o);
    } catch (e) {
      // restoreMaterial reports its own failures; this is the last guard of "never throws".
      Object.assign(row, { status: 'failed', detail: errorText(e) });
    }
  }

  let keyStateAfter: string | undefined;
  let after = '';
  if (out.some((r) => r.status === 'imported')) {
    try {
      keyStateAfter = (await readKey(kms, arn)).key.KeyState;
    } catch (e) {
      after = `; the key could not be read again: ${errorText(e)}`;
    }
  }
  const count = (s: MaterialStatus) => out.filter((r) => r.status === s).length;
  const bad = count('failed') + count('unrecoverable');
  const summary = [
    ['imported', count('imported')],
    ['to import', count('planned')],
    ['already imported', count('already-imported')],
    ['unrecoverable', count('unrecoverable')],
    ['failed', count('failed')],
  ]
    .filter(([, n]) => n)
    .map(([what, n]) => `${n} ${what}`)
    .join(', ');
  const stateNote = keyStateAfter ? `; key is ${keyStateAfter}${after}` : after;
  return {
    ...base,
    ...(keyStateAfter ? { keyStateAfter } : {}),
    status: bad ? 'failed' : count('planned') ? 'planned' : count('imported') ? 'ok' : 'unchanged',
    reason: `${summary}${count('imported') + count('planned') === 0 && !bad ? ': nothing to restore' : ''}${stateNote}`,
    materials: out,
  };
}

/** Finds, reads, verifies and (when applying) imports one material; records the outcome in `row`. */
async function restoreMaterial(
  kms: KmsApi,
  keyArn: string,
  m: Material,
  row: MaterialRestore,
  listings: Listing[],
  o: RestoreOptions,
): Promise<void> {
  const set = (status: MaterialStatus, detail: string) => Object.assign(row, { status, detail });
  const gone = `not imported (expired or deleted)${m.validTo ? ` since ${m.validTo.toISOString()}` : ''}`;
  const kcv = m.checkValue;
  if (!kcv) {
    set(
      'unrecoverable',
      `${gone}, and it was not imported by backup-sentinel (its KeyMaterialDescription carries no backup-sentinel check value): no escrow copy of it can exist`,
    );
    return;
  }
  const searched = listings.map((l) => where(l.store.destination)).join(', ');
  const inWhere = o.from ? `${searched} (--from)` : searched;
  const found = listings.flatMap((l) =>
    'copies' in l
      ? l.copies.filter((c) => c.checkValue === kcv).map((copy) => ({ store: l.store, copy }))
      : [],
  );
  const live = found.find((f) => !f.copy.deletedDate);
  if (!live) {
    const unread = listings.filter((l): l is Extract<Listing, { error: string }> => 'error' in l);
    const deleted = found[0];
    if (deleted)
      set(
        'unrecoverable',
        `${gone}; its escrow copy ${deleted.copy.secretArn} in ${where(deleted.store.destination)} is scheduled for deletion (${deleted.copy.deletedDate}): restore the secret first (aws secretsmanager restore-secret --secret-id ${deleted.copy.secretArn} --region ${deleted.store.destination.region}), then run keys restore again`,
      );
    else if (unread.length)
      set(
        'failed',
        `${gone}; no escrow copy with check value ${kcv} in the destinations that could be read, and ${unread.map((l) => `${where(l.store.destination)} could not be listed (${l.error})`).join(', ')}`,
      );
    else
      set(
        'unrecoverable',
        `${gone}, and no escrow copy with check value ${kcv} is in ${inWhere}${o.from ? ' — without --from every keyMaterial.escrow destination is searched' : ''}`,
      );
    return;
  }

  const { store, copy } = live;
  const destination = where(store.destination);
  row.source = { secretArn: copy.secretArn, destination };
  const how: ImportHow = { type: 'EXISTING_KEY_MATERIAL', id: m.id };
  const expiry = expiryFor(o.settings.validityDays, o.now);
  const plan = describeImport(how, expiry);
  const importStep = (status: Step['status'], detail = plan): Step => ({
    call: IMPORT_CALL,
    target: keyArn,
    status,
    detail,
  });
  let material: Uint8Array | undefined;
  try {
    try {
      material = await store.read(copy.secretArn);
    } catch (e) {
      row.steps.push({ call: READ_CALL, target: copy.secretArn, status: 'failed', detail: errorText(e) });
      set(
        'failed',
        `${gone}; its escrow copy ${copy.secretArn} in ${destination} could not be read: ${errorText(e)}`,
      );
      return;
    }
    const held = checkValue(material);
    if (held !== kcv) {
      row.steps.push({
        call: READ_CALL,
        target: copy.secretArn,
        status: 'failed',
        detail: `holds material with check value ${held}, not ${kcv}`,
      });
      set(
        'failed',
        `refused: the escrow copy ${copy.secretArn} in ${destination} holds material with check value ${held}, not ${kcv} (the check value KMS holds for ${m.id}): not imported`,
      );
      return;
    }
    row.steps.push({
      call: READ_CALL,
      target: copy.secretArn,
      status: 'done',
      detail: `check value ${kcv} verified`,
    });
    if (!o.apply) {
      row.steps.push(importStep('planned'));
      set('planned', `${gone}: would be imported again from ${copy.secretArn} (${destination})`);
      return;
    }
    let id: string | undefined;
    try {
      id = await importMaterial(kms, { keyArn, material, checkValue: kcv, how, expiry });
    } catch (e) {
      row.steps.push(importStep('failed', `${plan}: ${errorText(e)}`));
      set('failed', `${gone}; importing it from ${copy.secretArn} (${destination}) failed: ${errorText(e)}`);
      return;
    }
    row.steps.push(importStep('done'));
    set(
      'imported',
      `imported again from ${copy.secretArn} (${destination})${id && id !== m.id ? `; KMS named it ${id}, not ${m.id}` : ''}`,
    );
  } finally {
    zero(material);
  }
}
