/**
 * The real published AWS payloads in test/fixtures/real, converted to what the SDK hands back:
 * placebo files keep botocore's {__class__: 'datetime', ...} dates and a ResponseMetadata wrapper.
 */
import { readFileSync } from 'node:fs';

export const FIXTURES = 'test/fixtures/real';

/** A fixture file as stored: untyped JSON, as tests read deep into it. */
// biome-ignore lint/suspicious/noExplicitAny: published payloads of many shapes
export type Json = any;

export function raw(path: string): Json {
  return JSON.parse(readFileSync(`${FIXTURES}/${path}`, 'utf8'));
}

/** placebo {__class__: 'datetime', ...} -> Date (UTC), recursively. */
export function placeboDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(placeboDates);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.__class__ === 'datetime') {
      const d = o as Record<string, number>;
      return new Date(
        Date.UTC(
          d.year ?? 0,
          (d.month ?? 1) - 1,
          d.day,
          d.hour,
          d.minute,
          d.second,
          (d.microsecond ?? 0) / 1000,
        ),
      );
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, placeboDates(v)]));
  }
  return value;
}

/** The same, with ISO strings instead of Dates (the inventory's form). */
export function placeboIsoDates(value: unknown): unknown {
  const v = placeboDates(value);
  return JSON.parse(JSON.stringify(v));
}

/** A placebo response body (api/<name>) as the SDK returns it. */
export function placebo<T>(name: string): T {
  const { ResponseMetadata: _, ...data } = placeboDates(raw(`api/${name}`).data) as Record<string, unknown>;
  return data as T;
}
