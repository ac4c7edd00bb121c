/**
 * Links into the AWS Backup console (pure).
 *
 * AWS documents only the console's entry point (https://console.aws.amazon.com/backup). The
 * deep-link fragments below are the ones the console itself shows in its address bar and that
 * inventory tools link to (fixinventory's AWS plugin: #/jobs/copy/details/ID and
 * #/jobs/restore/details/ID; several public runbooks: #/backupvaults/details/NAME); the backup
 * job page follows the same #/jobs/<kind>/details/ID scheme. They are not a stable API: when a
 * fragment stops working, the link still opens the AWS Backup console in the right region.
 */
import { partitionOf } from '../inventory/arn.js';
import { REGION } from './fields.js';

export type ConsolePage =
  | { page: 'backup-job' | 'copy-job' | 'restore-job'; id: string }
  | { page: 'vault'; name: string }
  | { page: 'vaults' };

/** Console host of a region's partition (China and GovCloud have their own). */
function host(region: string): string {
  const partition = partitionOf(region);
  if (partition === 'aws-cn') return 'https://console.amazonaws.cn';
  if (partition === 'aws-us-gov') return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

/** The AWS Backup console page for a job or vault in `region` (the console home without a page). */
export function consoleUrl(region: string, to?: ConsolePage): string {
  if (!REGION.test(region)) return 'https://console.aws.amazon.com/backup/home';
  const home = `${host(region)}/backup/home?region=${region}`;
  if (!to) return `${home}#/`;
  switch (to.page) {
    case 'backup-job':
      return `${home}#/jobs/backup/details/${encodeURIComponent(to.id)}`;
    case 'copy-job':
      return `${home}#/jobs/copy/details/${encodeURIComponent(to.id)}`;
    case 'restore-job':
      return `${home}#/jobs/restore/details/${encodeURIComponent(to.id)}`;
    case 'vault':
      return `${home}#/backupvaults/details/${encodeURIComponent(to.name)}`;
    case 'vaults':
      return `${home}#/backupvaults`;
  }
}

/** "AWS Backup console", or the console the link opens (a key's alert links the KMS console). */
export function consoleName(url: string): string {
  return url.includes('/kms/home') ? 'AWS KMS console' : 'AWS Backup console';
}
