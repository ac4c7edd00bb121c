/**
 * What the rotator decides for one key, from what it read (pure): complete a rotation a previous
 * run left half done, reimport materials KMS no longer holds, import the first material, or
 * rotate. Every decision names its reason; nothing here calls AWS.
 */
import type { KeyMetadata, RotationsListEntry } from '@aws-sdk/client-kms';
import type { KeyMaterialSettings } from '../policy/index.js';
import type { EscrowCopy } from './escrow.js';
import { checkValueOf } from './material.js';

/**
 * On-demand rotations AWS allows per KMS key (RotateKeyOnDemand: "a maximum of 25 times per KMS
 * key"; KMS quotas: "On-demand rotations | 25", the one resource quota that is not adjustable; no
 * period is stated, so it is treated as the key's lifetime). It was 10 until February 2026 and
 * older pages still say so. The rotator keeps `rotationReserve` of them for emergencies and
 * stops rotating on schedule there; expiring material is re-imported, which costs no rotation.
 */
export const ON_DEMAND_ROTATION_QUOTA = 25;

export interface Material {
  id: string;
  /** The check value the rotator imported it with (from KeyMaterialDescription), if it did. */
  checkValue?: string;
  imported: boolean;
  state: 'CURRENT' | 'NON_CURRENT' | 'PENDING_ROTATION' | 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION' | string;
  validTo?: Date;
  rotatedAt?: Date;
  onDemand: boolean;
}

export function materialsOf(rotations: RotationsListEntry[]): Material[] {
  return rotations.flatMap((r): Material[] => {
    if (!r.KeyMaterialId) return [];
    const kcv = checkValueOf(r.KeyMaterialDescription);
    return [
      {
        id: r.KeyMaterialId,
        ...(kcv ? { checkValue: kcv } : {}),
        imported: r.ImportState !== 'PENDING_IMPORT',
        state: r.KeyMaterialState ?? 'CURRENT',
        ...(r.ValidTo ? { validTo: r.ValidTo } : {}),
        ...(r.RotationDate ? { rotatedAt: r.RotationDate } : {}),
        onDemand: r.RotationType === 'ON_DEMAND',
      },
    ];
  });
}

/** One destination's copies, or why they could not be read. */
export type DestinationCopies = { where: string; copies: EscrowCopy[] } | { where: string; error: string };

export interface KeyState {
  key: KeyMetadata;
  materials: Material[];
  destinations: DestinationCopies[];
}

export type KeyAction =
  /** Import the first material (the key is PendingImport and never had one). */
  | { kind: 'first-import'; reason: string }
  /** Import new material and rotate to it. */
  | { kind: 'rotate'; reason: string }
  /** A material imported for rotation (by a run that stopped): copy to the destinations lacking it, then rotate. */
  | { kind: 'complete-rotation'; reason: string; material: Material; checkValue: string }
  /** A material KMS no longer holds (expired or deleted): import it again from its escrow copy. */
  | { kind: 'reimport'; reason: string; material: Material; checkValue: string };

export type KeyDecision =
  | { kind: 'act'; actions: KeyAction[] }
  | { kind: 'none'; reason: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; reason: string; actions: KeyAction[] };

const DAY = 86_400_000;
const days = (ms: number) => Math.floor(ms / DAY);
const PENDING = new Set(['PENDING_ROTATION', 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION']);

/** Usable key states for import (others: deletion, disabled, unavailable -> not touched). */
const IMPORTABLE = new Set(['Enabled', 'PendingImport']);

export function onDemandRotationsUsed(materials: Material[]): number {
  return materials.filter((m) => m.onDemand).length;
}

export function decide(s: KeyState, settings: KeyMaterialSettings, now: Date): KeyDecision {
  const k = s.key;
  if (k.Origin !== 'EXTERNAL')
    return { kind: 'skip', reason: `origin ${k.Origin ?? '?'}: its material is not imported` };
  if (k.KeySpec !== 'SYMMETRIC_DEFAULT')
    return {
      kind: 'skip',
      reason: `${k.KeySpec}: only symmetric encryption keys rotate imported material on demand`,
    };
  if (k.MultiRegionConfiguration?.MultiRegionKeyType === 'REPLICA')
    return {
      kind: 'skip',
      reason:
        `multi-Region replica: rotated with its primary ${k.MultiRegionConfiguration.PrimaryKey?.Arn ?? ''}`.trim(),
    };
  if (!IMPORTABLE.has(k.KeyState ?? ''))
    return { kind: 'skip', reason: `key is ${k.KeyState}: nothing imported` };
  if (settings.escrow.length === 0)
    return {
      kind: 'fail',
      reason: 'no keyMaterial.escrow destinations: material is never imported unescrowed',
      actions: [],
    };
  const unread = s.destinations.filter((d): d is { where: string; error: string } => 'error' in d);
  if (unread.length)
    return {
      kind: 'fail',
      reason: `escrow not readable in ${unread.map((d) => `${d.where} (${d.error})`).join(', ')}: nothing imported`,
      actions: [],
    };
  const copiesOf = (kcv: string) =>
    s.destinations.filter(
      (d) => 'copies' in d && d.copies.some((c) => c.checkValue === kcv && !c.deletedDate),
    );
  const problems: string[] = [];
  const actions: KeyAction[] = [];

  // 1. A rotation a previous run started: finish it, if its material is escrowed somewhere.
  const pending = s.materials.find((m) => PENDING.has(m.state));
  if (pending) {
    if (!pending.checkValue)
      problems.push(
        `material ${pending.id} awaits rotation but was not imported by backup-sentinel: not rotated (no escrow copy can exist)`,
      );
    else if (copiesOf(pending.checkValue).length === 0)
      problems.push(
        `material ${pending.id} awaits rotation but no destination holds its escrow copy: not rotated`,
      );
    else
      actions.push({
        kind: 'complete-rotation',
        reason: `material ${pending.id} was imported for rotation by a run that did not finish`,
        material: pending,
        checkValue: pending.checkValue,
      });
  }

  // 2. Materials KMS no longer holds: while any permanently associated material is missing the
  //    whole key is PendingImport (unusable) — reimport each from its escrow copy. And materials
  //    about to expire: reimported before they do (allowed while IMPORTED; it sets a new ValidTo).
  for (const m of s.materials.filter((x) => x.imported && x.validTo && !PENDING.has(x.state))) {
    const left = ((m.validTo as Date).getTime() - now.getTime()) / DAY;
    if (left > settings.expiryWarningDays) continue;
    const reason = `material ${m.id} expires in ${Math.max(0, Math.floor(left))} days (${(m.validTo as Date).toISOString()})`;
    if (!m.checkValue || copiesOf(m.checkValue).length === 0)
      problems.push(`${reason} and no destination holds its escrow copy: it cannot be reimported`);
    else
      actions.push({
        kind: 'reimport',
        reason: `${reason}: reimported for a new ValidTo`,
        material: m,
        checkValue: m.checkValue,
      });
  }
  for (const m of s.materials.filter((x) => !x.imported)) {
    if (!m.checkValue)
      problems.push(
        `material ${m.id} is not imported (expired or deleted) and was not escrowed by backup-sentinel`,
      );
    else if (copiesOf(m.checkValue).length === 0)
      problems.push(
        `material ${m.id} is not imported (expired or deleted) and no destination holds its escrow copy`,
      );
    else
      actions.push({
        kind: 'reimport',
        reason: `material ${m.id} is not imported (expired or deleted)${m.validTo ? ` since ${m.validTo.toISOString()}` : ''}`,
        material: m,
        checkValue: m.checkValue,
      });
  }

  // 3. New material: the first one, or a rotation that is due.
  if (!pending) {
    const due = rotationDue(s, settings, now);
    if (due.kind === 'first-import' || due.kind === 'rotate') actions.push(due);
    else if (due.kind === 'blocked') problems.push(due.reason);
    else if (actions.length === 0 && problems.length === 0) return { kind: 'none', reason: due.reason };
  }
  if (problems.length) return { kind: 'fail', reason: problems.join('; '), actions };
  return { kind: 'act', actions };
}

type Due = KeyAction | { kind: 'not-due'; reason: string } | { kind: 'blocked'; reason: string };

function rotationDue(s: KeyState, settings: KeyMaterialSettings, now: Date): Due {
  if (s.materials.length === 0)
    return s.key.KeyState === 'PendingImport'
      ? { kind: 'first-import', reason: 'key is PendingImport: no material was ever imported' }
      : { kind: 'not-due', reason: 'KMS lists no material for this key' };
  const current = s.materials.find((m) => m.state === 'CURRENT');
  if (!current) return { kind: 'not-due', reason: 'no current material' };
  const since = current.rotatedAt ?? creation(s, current) ?? s.key.CreationDate;
  const age = since ? days(now.getTime() - since.getTime()) : 0;
  const why =
    settings.rotateEveryDays !== undefined && age >= settings.rotateEveryDays
      ? `current material ${current.id} is ${age} days old (rotate every ${settings.rotateEveryDays})`
      : undefined;
  if (!why)
    return {
      kind: 'not-due',
      reason: `current material ${current.id} is ${age} days old${settings.rotateEveryDays ? ` (rotate every ${settings.rotateEveryDays})` : ' (no rotateEveryDays)'}`,
    };
  const used = onDemandRotationsUsed(s.materials);
  const left = ON_DEMAND_ROTATION_QUOTA - used;
  if (left <= settings.rotationReserve)
    return {
      kind: 'blocked',
      reason: `${why}, but ${used} of the ${ON_DEMAND_ROTATION_QUOTA} on-demand rotations AWS allows per key are used and ${left} are kept in reserve (rotationReserve): not rotated — plan a new key`,
    };
  return { kind: 'rotate', reason: why };
}

/** When the first material was escrowed (its copies' created-at tag): its age when KMS gives no rotation date. */
function creation(s: KeyState, m: Material): Date | undefined {
  if (!m.checkValue) return undefined;
  for (const d of s.destinations)
    if ('copies' in d)
      for (const c of d.copies)
        if (c.checkValue === m.checkValue && c.createdAt && Number.isFinite(Date.parse(c.createdAt)))
          return new Date(c.createdAt);
  return undefined;
}
