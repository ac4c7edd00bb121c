/** Date arithmetic for rules; `now` always comes from the caller. */
export function ageHours(iso: string, now: Date): number {
  return (now.getTime() - Date.parse(iso)) / 3_600_000;
}

export function ageDays(iso: string, now: Date): number {
  return ageHours(iso, now) / 24;
}

/** The latest of some ISO dates (compared as instants, not as text). */
export function latest(dates: (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const d of dates)
    if (d !== undefined && (best === undefined || Date.parse(d) > Date.parse(best))) best = d;
  return best;
}
