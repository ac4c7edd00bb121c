/** Date arithmetic for rules; `now` always comes from the caller. */
export function ageHours(iso: string, now: Date): number {
  return (now.getTime() - Date.parse(iso)) / 3_600_000;
}

export function ageDays(iso: string, now: Date): number {
  return ageHours(iso, now) / 24;
}
