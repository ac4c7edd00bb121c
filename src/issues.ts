/** Turns schema issues into "path.to[1].field: reason" lines. */
import type { z } from 'zod';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

export function formatIssues(
  error: z.ZodError,
  known: (path: readonly PropertyKey[]) => string[] = () => [],
): string[] {
  return error.issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const hints = issue.keys.map((k) => {
        const near = closest(k, known(issue.path));
        return near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`;
      });
      return `${where}: unknown field ${hints.join(', ')}`;
    }
    if (issue.code === 'invalid_key') return `${where}: ${issue.issues.map((i) => i.message).join('; ')}`;
    const type = /^Invalid input: expected (\w+), received (\w+)$/.exec(issue.message);
    if (type)
      return type[2] === 'undefined'
        ? `${where}: is required`
        : `${where}: must be a ${type[1]} (got ${type[2]})`;
    return `${where}: ${issue.message}`;
  });
}

/** The closest known word within an edit distance of 3, for "did you mean". */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance || (c.toLowerCase().startsWith(word.toLowerCase()) && d < 8)) {
      best = c;
      bestDistance = Math.min(d, bestDistance);
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The field names a zod schema accepts at `path` (for "did you mean"). */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const key of [...path, null]) {
    // unwrap optional/default/pipe wrappers
    for (let i = 0; i < 10; i++) {
      const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      const inner = def?.innerType ?? def?.in;
      if (!inner) break;
      node = inner;
    }
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (key === null) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    if (def.type === 'object') node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'record') node = def.valueType;
    else if (def.type === 'array') node = def.element;
    else return [];
    if (!node) return [];
  }
  return [];
}
