/** ARN helpers (pure). */

export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(arn: string): ArnParts | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/** Region prefixes of the partitions other than `aws` (as the SDK's partition table has them). */
const PARTITIONS: [prefix: string, partition: string][] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

/** The partition a region belongs to: every ARN we build comes from it, never a literal "aws". */
export function partitionOf(region: string): string {
  return PARTITIONS.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME */
export function vaultArn(region: string, account: string, name: string): string {
  return `arn:${partitionOf(region)}:backup:${region}:${account}:backup-vault:${name}`;
}

/** Matches an ARN against an AWS Backup pattern where `*` stands for any run of characters. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(arn);
}

/** String condition with `*` (any run) and `?` (one character), as in StringLike. */
export function likeMatches(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegExp(c)))
      .join('')}$`,
  );
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
