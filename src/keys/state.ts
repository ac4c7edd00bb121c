/**
 * What the rotator decides for one key, from what it read (pure), in this order: reimport what KMS
 * no longer holds or is about to lose (on the key and on its multi-Region replicas), copy escrow
 * to destinations that lack a material, complete a rotation a previous run left half done, then
 * import the first material or rotate. Every decision names its reason; nothing here calls AWS.
 * Nothing it decides shortens an expiry, deletes material or uses material that is not escrowed.
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
  /** CURRENT, NON_CURRENT, PENDING_ROTATION, PENDING_MULTI_REGION_IMPORT_AND_ROTATION; UNKNOWN when KMS did not say. */
  state: string;
  /** KMS listed it without ImportState or KeyMaterialState: nothing is decided on a guess. */
  unknown?: true;
  validTo?: Date;
  rotatedAt?: Date;
  onDemand: boolean;
}

export function materialsOf(rotations: RotationsListEntry[]): Material[] {
  return rotations.flatMap((r): Material[] => {
    if (!r.KeyMaterialId) return [];
    const kcv = checkValueOf(r.KeyMaterialDescription);
    const unknown = !r.ImportState || !r.KeyMaterialState;
    return [
      {
        id: r.KeyMaterialId,
        ...(kcv ? { checkValue: kcv } : {}),
        imported: r.ImportState === 'IMPORTED',
        state: r.KeyMaterialState ?? 'UNKNOWN',
        ...(unknown ? { unknown: true as const } : {}),
        ...(r.ValidTo ? { validTo: r.ValidTo } : {}),
        ...(r.RotationDate ? { rotatedAt: r.RotationDate } : {}),
        onDemand: r.RotationType === 'ON_DEMAND',
      },
    ];
  });
}

/** One destination's copies, or why they could not be read. */
export type DestinationCopies = { where: string; copies: EscrowCopy[] } | { where: string; error: string };

/** A multi-Region replica of the key, as read in its Region. */
export type Replica =
  | { arn: string; region: string; materials: Material[] }
  | { arn: string; region: string; error: string };

export interface KeyState {
  key: KeyMetadata;
  materials: Material[];
  destinations: DestinationCopies[];
  /** A multi-Region primary's replicas (absent or empty otherwise). */
  replicas?: Replica[];
}

/** Where an import goes when it is not the key itself: a multi-Region replica. */
export interface Target {
  arn: string;
  region: string;
}

export type KeyAction =
  /** Import the first material (the key is PendingImport and never had one). */
  | { kind: 'first-import'; reason: string }
  /** Import new material and rotate to it. */
  | { kind: 'rotate'; reason: string }
  /** A material imported for rotation (by a run that stopped): copy to the destinations lacking it, then rotate. */
  | { kind: 'complete-rotation'; reason: string; material: Material; checkValue: string }
  /** The same material again, from escrow, under its KeyMaterialId: KMS lost it, is about to, or a replica never had it. */
  | { kind: 'reimport'; reason: string; material: Material; checkValue: string; target?: Target }
  /** A material some destinations lack: read a verified copy and write it there. */
  | { kind: 'backfill'; reason: string; material: Material; checkValue: string; missing: string[] };

export type KeyDecision =
  | { kind: 'act'; actions: KeyAction[] }
  | { kind: 'none'; reason: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; reason: string; actions: KeyAction[] };

const DAY = 86_400_000;
const days = (ms: number) => Math.floor(ms / DAY);
export const PENDING = new Set(['PENDING_ROTATION', 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION']);

/** Usable key states for import (others: deletion, disabled, unavailable -> not touched). */
const IMPORTABLE = new Set(['Enabled', 'PendingImport']);

export function onDemandRotationsUsed(materials: Material[]): number {
  return materials.filter((m) => m.onDemand).length;
}

/** Would importing now (with the policy's validityDays) give `m` a later expiry than it has? Never shorter. */
export function extends_(m: Material, settings: KeyMaterialSettings, now: Date): boolean {
  if (!m.validTo) return false; // does not expire: nothing to extend
  if (settings.validityDays === undefined) return true; // reimported without expiry
  return now.getTime() + settings.validityDays * DAY > m.validTo.getTime();
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
      reason: `multi-Region replica: its primary ${k.MultiRegionConfiguration.PrimaryKey?.Arn ?? ''} gives it its material`,
    };
  if (!IMPORTABLE.has(k.KeyState ?? ''))
    return { kind: 'skip', reason: `key is ${k.KeyState}: nothing imported` };
  if (settings.escrow.length === 0)
    return {
      kind: 'fail',
      reason: 'no keyMaterial.escrow destinations: material is never imported unescrowed',
      actions: [],
    };
  const unknown = s.materials.find((m) => m.unknown);
  if (unknown)
    return {
      kind: 'fail',
      reason: `KMS listed material ${unknown.id} without its import or key material state: not touched`,
      actions: [],
    };
  const unread = s.destinations.filter((d): d is { where: string; error: string } => 'error' in d);
  if (unread.length)
    return {
      kind: 'fail',
      reason: `escrow not readable in ${unread.map((d) => `${d.where} (${d.error})`).join(', ')}: nothing imported`,
      actions: [],
    };
  const holding = (kcv: string) =>
    s.destinations.filter(
      (d) => 'copies' in d && d.copies.some((c) => c.checkValue === kcv && !c.deletedDate),
    );
  const problems: string[] = [];
  const actions: KeyAction[] = [];
  const pending = s.materials.find((m) => PENDING.has(m.state));
  const permanent = s.materials.filter((m) => !PENDING.has(m.state));

  // 1. Reimport: while any permanently associated material is missing the whole key is
  //    PendingImport (unusable); one about to expire is reimported before it does (allowed while
  //    IMPORTED; only when that gives it a later ValidTo, never a shorter one).
  const reimport = (m: Material, target: Target | undefined, where: string, replica?: Material) => {
    const held = replica ?? m;
    const left = held.validTo ? (held.validTo.getTime() - now.getTime()) / DAY : Number.POSITIVE_INFINITY;
    const why =
      !replica && target
        ? `${where} lacks material ${m.id}`
        : !held.imported
          ? `material ${m.id}${where ? ` in ${where}` : ''} is not imported (expired or deleted)${held.validTo ? ` since ${held.validTo.toISOString()}` : ''}`
          : left <= settings.expiryWarningDays && extends_(held, settings, now)
            ? `material ${m.id}${where ? ` in ${where}` : ''} expires in ${Math.max(0, Math.floor(left))} days (${held.validTo?.toISOString()}): reimported for a later ValidTo`
            : undefined;
    if (!why) return;
    if (!m.checkValue)
      problems.push(`${why}, and it was not escrowed by backup-sentinel: it cannot be reimported`);
    else if (holding(m.checkValue).length === 0)
      problems.push(`${why}, and no destination holds its escrow copy`);
    else
      actions.push({
        kind: 'reimport',
        reason: why,
        material: m,
        checkValue: m.checkValue,
        ...(target ? { target } : {}),
      });
  };
  for (const m of permanent) reimport(m, undefined, '');
  for (const r of s.replicas ?? []) {
    if ('error' in r) {
      problems.push(`replica ${r.arn} could not be read (${r.error})`);
      continue;
    }
    const target = { arn: r.arn, region: r.region };
    for (const m of permanent)
      reimport(
        m,
        target,
        `replica ${r.arn}`,
        r.materials.find((x) => x.id === m.id),
      );
  }

  // 2. Backfill: a material some destinations lack (a destination added, a copy lost).
  for (const m of permanent) {
    if (!m.checkValue) continue;
    const held = holding(m.checkValue).map((d) => d.where);
    const missing = s.destinations.map((d) => d.where).filter((w) => !held.includes(w));
    if (held.length && missing.length)
      actions.push({
        kind: 'backfill',
        reason: `material ${m.id} has no escrow copy in ${missing.join(', ')}`,
        material: m,
        checkValue: m.checkValue,
        missing,
      });
  }

  // 3. A rotation a previous run started: finish it, if its material is escrowed somewhere.
  if (pending) {
    if (!pending.checkValue)
      problems.push(
        `material ${pending.id} awaits rotation but was not imported by backup-sentinel: not rotated (no escrow copy can exist)`,
      );
    else if (holding(pending.checkValue).length === 0)
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

  // 4. New material: the first one, or a rotation that is due — only when all else is in order.
  if (!pending) {
    const due = rotationDue(s, settings, now);
    if (due.kind === 'first-import' || due.kind === 'rotate') actions.push(due);
    else if (due.kind === 'blocked') problems.push(due.reason);
    else if (actions.length === 0 && problems.length === 0) return { kind: 'none', reason: due.reason };
  }
  if (problems.length)
    return {
      kind: 'fail',
      reason: problems.join('; '),
      actions: actions.filter((a) => a.kind !== 'first-import' && a.kind !== 'rotate'),
    };
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
