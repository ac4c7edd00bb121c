/**
 * Maps keyed by text from outside (tags, policy names, parameters) are read through `own`: a key
 * such as "toString", "constructor" or "__proto__" is data, and must never find Object.prototype.
 */
export function own<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A JSON object read from outside (an event, a configuration item). */
export type Json = Record<string, unknown>;

/** The value as a plain object, or an empty one: reading a field of it never throws. */
export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
