/** An IncidentStore in memory, with the same optimistic concurrency as the DynamoDB one. */
import type { IncidentRecord, IncidentStore } from '../../src/alerts/types.js';

export class MemoryIncidentStore implements IncidentStore {
  readonly records = new Map<string, IncidentRecord>();
  async get(incident: string) {
    const r = this.records.get(incident);
    return r ? structuredClone(r) : undefined;
  }
  async put(record: IncidentRecord) {
    const stored = this.records.get(record.incident);
    if ((stored?.version ?? 0) !== record.version - 1) return false;
    this.records.set(record.incident, structuredClone(record));
    return true;
  }
  async open(limit: number) {
    return [...this.records.values()]
      .filter((r) => r.state === 'open')
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .slice(0, limit);
  }
}
