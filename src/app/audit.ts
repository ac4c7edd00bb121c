/** Use-case: audit an inventory against the policies, and summarise the result. */
import type { Inventory } from '../inventory/schema.js';
import type { PolicySet } from '../policy/index.js';
import { resolvePolicy } from '../policy/resolve.js';
import { audit } from '../rules/engine.js';
import type { Finding, Severity, Status } from '../rules/types.js';

export interface Summary {
  /** Tagged RDS and S3 resources in the inventory. */
  resources: number;
  /** Backup plans, vaults and KMS keys judged because the policies use them. */
  supporting: number;
  findings: number;
  byStatus: Record<Status, number>;
  nonCompliantBySeverity: Record<Severity, number>;
  optedOut: number;
  auditOnly: number;
}

/** Not counted as supporting subjects: the resources themselves, and the account. */
const RESOURCE_TYPES = new Set([
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::S3::Bucket',
  'AWS::::Account',
]);

export interface AuditResult {
  capturedAt: string;
  evaluatedAt: string;
  accountId: string;
  findings: Finding[];
  summary: Summary;
}

export function auditInventory(inventory: Inventory, policies: PolicySet, now: Date): AuditResult {
  const findings = audit(inventory, policies, { now });
  return {
    capturedAt: inventory.capturedAt,
    evaluatedAt: now.toISOString(),
    accountId: inventory.accountId,
    findings,
    summary: summarise(findings, inventory, policies),
  };
}

export function summarise(findings: Finding[], inventory: Inventory, policies: PolicySet): Summary {
  const byStatus: Record<Status, number> = { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0, ERROR: 0 };
  const nonCompliantBySeverity: Record<Severity, number> = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    info: 0,
  };
  const supporting = new Set<string>();
  const auditOnly = new Set<string>();
  for (const f of findings) {
    byStatus[f.status]++;
    if (!RESOURCE_TYPES.has(f.resourceType)) supporting.add(f.resourceArn);
    if (f.status === 'NON_COMPLIANT') nonCompliantBySeverity[f.severity]++;
    if (!f.remediate) auditOnly.add(f.resourceArn);
  }
  return {
    supporting: supporting.size,
    resources: inventory.resources.length,
    findings: findings.length,
    byStatus,
    nonCompliantBySeverity,
    optedOut: inventory.resources.filter((r) => resolvePolicy(r.Tags, policies).kind === 'opt-out').length,
    auditOnly: auditOnly.size,
  };
}
