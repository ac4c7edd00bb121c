/**
 * `backup-sentinel dr-report`: the DR report of an inventory (a snapshot, or the live account read
 * as `audit` reads it) in one of its formats, and its exit code. main.ts reads the files and the
 * account; this module decides what the flags mean and what the report exits with.
 */
import { printable } from '../errors.js';
import type { Inventory } from '../inventory/schema.js';
import type { PolicySet } from '../policy/index.js';
import { DR_FORMATS, type DrFormat, drReport, renderDrReport } from '../report/index.js';

export const DR_FAIL_ON = ['rpo', 'never'] as const;
export type DrFailOn = (typeof DR_FAIL_ON)[number];

export interface DrFlags {
  format: DrFormat;
  failOn: DrFailOn;
}

/** --format and --fail-on of dr-report, or what is wrong with them. */
export function drReportFlags(
  format: string | undefined,
  failOn: string | undefined,
): DrFlags | { error: string } {
  const f = format ?? 'table';
  if (!(DR_FORMATS as readonly string[]).includes(f))
    return { error: `--format must be one of ${DR_FORMATS.join(', ')} (got "${printable(f, false)}")` };
  const fail = failOn ?? 'never';
  if (!(DR_FAIL_ON as readonly string[]).includes(fail))
    return { error: `--fail-on must be rpo or never for dr-report (got "${printable(fail, false)}")` };
  return { format: f as DrFormat, failOn: fail as DrFailOn };
}

/**
 * The report as text, and the exit code: with --fail-on rpo, 1 when any resource does not meet
 * its RPO for a lost region or a lost account — missed, no copy, and not read alike (what was not
 * read is not known to be met).
 */
export function runDrReport(
  inventory: Inventory,
  policies: PolicySet,
  now: Date,
  flags: DrFlags,
): { text: string; exitCode: 0 | 1; summary: string } {
  const report = drReport(inventory, policies, { now });
  const s = report.summary;
  return {
    text: renderDrReport(report, flags.format),
    exitCode: flags.failOn === 'rpo' && s.rpoNotMet > 0 ? 1 : 0,
    summary: `${s.resources} resources, ${s.rpoNotMet} not meeting the RPO for a lost region or account`,
  };
}
