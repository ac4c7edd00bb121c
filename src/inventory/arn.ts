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
  return pattern === '*' || globMatches(pattern, arn, false);
}

/** String condition with `*` (any run) and `?` (one character), as in StringLike. */
export function likeMatches(pattern: string, value: string): boolean {
  return globMatches(pattern, value, true);
}

/**
 * Wildcard matching without a regular expression: one pass with a single resume point (the
 * last `*`), so the cost is at most pattern length × value length, never exponential (a
 * pattern is user text: eight `*` against a 60-character name must not stall an audit).
 */
function globMatches(pattern: string, value: string, question: boolean): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = v;
    } else if (c !== undefined && (c === value[v] || (question && c === '?'))) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** RDS's own option groups (default:<engine>-<major version>): every Region has them. */
export const isDefaultOptionGroup = (name: string) => name.startsWith('default:');

export const optionGroupArn = (account: string, region: string, name: string) =>
  `arn:${partitionOf(region)}:rds:${region}:${account}:og:${name}`;
