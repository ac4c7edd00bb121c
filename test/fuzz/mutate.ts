/**
 * Mutations of real payloads for property-based fuzzing: a list of edits (replace a value,
 * delete a key, rename a key, duplicate a value elsewhere) applied at paths chosen by number, with
 * values that hostile or broken input contains — prototype names, JSON-ish strings, impossible
 * dates, star-heavy patterns, huge and negative numbers, wrong types.
 */
import fc from 'fast-check';

type Json = unknown;
type Path = (string | number)[];

/** Strings that have broken parsers before: prototype names, JSON text, bad dates, patterns. */
export const HOSTILE_STRINGS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  'null',
  'false',
  'true',
  '1',
  '-1',
  '{}',
  '[]',
  '2026-02-30T00:00:00Z',
  '9999-99-99',
  'not a date',
  '1e400',
  'arn:aws:s3:::*',
  `arn:aws:s3:::${'*a'.repeat(9)}*`,
  '*'.repeat(12),
  'x'.repeat(300),
  'arn:',
  'arn:aws:rds:eu-central-1:111111111111:db:',
  'ScheduledNotification',
  'ConfigurationItemChangeNotification',
  'OversizedConfigurationItemChangeNotification',
  'AWS::S3::Bucket',
  'AWS::RDS::DBInstance',
  'ResourceDeleted',
  '\u0000',
  '\u202e',
];

export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, -2, 1e21, Number.MAX_SAFE_INTEGER, 0.5) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], [null], { a: null }) },
);

export interface Edit {
  at: number;
  kind: 'replace' | 'delete' | 'rename' | 'copy';
  value: Json;
  to: number;
}

export const edits = (max = 6): fc.Arbitrary<Edit[]> =>
  fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'replace', 'delete', 'rename', 'copy'),
      value: hostileValue,
      to: fc.nat(),
    }),
    { minLength: 1, maxLength: max },
  );

function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value))
    for (const [i, v] of value.entries()) paths(v, [...prefix, i], out).push([...prefix, i]);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out).push([...prefix, k]);
  return out;
}

function parentOf(root: Json, path: Path): Record<string | number, Json> | undefined {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) {
    const next = node?.[key as string];
    if (!next || typeof next !== 'object') return undefined;
    node = next as Record<string | number, Json>;
  }
  return node;
}

/** `base` with the edits applied (a deep copy; `base` is left as it was). */
export function mutate<T>(base: T, list: Edit[]): T {
  const root = structuredClone(base) as Json;
  for (const e of list) {
    const all = paths(root);
    if (all.length === 0) break;
    const path = all[e.at % all.length] as Path;
    const key = path.at(-1) as string | number;
    const parent = parentOf(root, path);
    if (!parent) continue;
    if (e.kind === 'replace') parent[key] = structuredClone(e.value);
    else if (e.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (e.kind === 'rename' && !Array.isArray(parent)) {
      const v = parent[key];
      delete parent[key];
      // A JSON own property, as JSON.parse would make it (never the prototype setter).
      Object.defineProperty(parent, String(typeof e.value === 'string' ? e.value : key), {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (e.kind === 'copy') {
      const target = all[e.to % all.length] as Path;
      const targetParent = parentOf(root, target);
      if (targetParent && !target.every((k, i) => path[i] === k))
        targetParent[target.at(-1) as string] = structuredClone(parent[key]);
    }
  }
  return root as T;
}

/** Runs per target: `npm run fuzz` sets FUZZ_RUNS (10,000); the suite runs a few hundred. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
