/** Helpers for the restore tests: real fixtures (placebo dates revived), and an in-memory Io. */
import { readFileSync } from 'node:fs';
import type { Io } from '../../src/cli/main.js';

/** A fixture of test/fixtures/real/api; placebo files lose their {status_code, data} wrapper. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  const raw = JSON.parse(readFileSync(new URL(`../fixtures/real/api/${name}`, import.meta.url), 'utf8'));
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.__class__ === 'datetime')
        return new Date(
          Date.UTC(
            Number(o.year),
            Number(o.month) - 1,
            Number(o.day),
            Number(o.hour ?? 0),
            Number(o.minute ?? 0),
            Number(o.second ?? 0),
            Math.floor(Number(o.microsecond ?? 0) / 1000),
          ),
        );
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
    }
    return v;
  };
  const data = 'status_code' in raw && 'data' in raw ? raw.data : raw;
  return revive(data) as T;
}

export function memoryIo(now = new Date('2026-11-25T06:00:00Z')) {
  const files = new Map<string, string>();
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: (p) => {
      const t = files.get(p);
      if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return t;
    },
    writeFile: (p, t) => files.set(p, t),
    now: () => now,
    env: {},
  };
  return { io, files, out, err };
}

/** An SDK-style "not found" error. */
export const notFound = (name: string) => Object.assign(new Error(`${name}`), { name });
