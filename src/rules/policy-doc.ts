/**
 * Resource policies as data (pure): does a vault access policy or a key policy let an account do
 * an action? Only what the policy says: SCPs, permission boundaries and the caller's own IAM are
 * not visible here. User text throughout: parsed, never evaluated, no backtracking patterns.
 */

export type Grant =
  /** An Allow admits the account (and no Deny refuses it). */
  | { kind: 'allowed'; by: string }
  | { kind: 'denied'; by: string }
  | { kind: 'not-allowed' }
  /** The answer depends on what we do not know (the account's organization id). */
  | { kind: 'unknown'; why: string };

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);

/** The AWS principals of a statement ("*" for Principal "*"). */
const awsPrincipals = (p: unknown): string[] =>
  p === '*' ? ['*'] : typeof p === 'object' && p !== null ? list((p as { AWS?: unknown }).AWS) : [];

export function statements(policy: string): Statement[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return undefined;
  }
  const raw = (doc as { Statement?: unknown } | null)?.Statement;
  return (Array.isArray(raw) ? raw : [raw]).filter(
    (s): s is Statement => typeof s === 'object' && s !== null,
  );
}

/** The condition values of one key (case-insensitive) under the operators `only` names, or any operator without it. */
function conditionValues(condition: unknown, key: string, only?: string[]): string[] | undefined {
  if (typeof condition !== 'object' || condition === null) return undefined;
  let found: string[] | undefined;
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    if (only && !only.includes(operator)) continue;
    if (typeof block !== 'object' || block === null) continue;
    for (const [k, v] of Object.entries(block as Record<string, unknown>))
      if (k.toLowerCase() === key.toLowerCase()) found = [...(found ?? []), ...list(v)];
  }
  return found;
}

/** Whether a statement's principal and conditions admit `account` (of organization `orgId`, if known). */
function admits(s: Statement, account: string, orgId: string | undefined): boolean | 'unknown' {
  const p = s.Principal;
  const aws =
    p === '*' ? ['*'] : typeof p === 'object' && p !== null ? list((p as { AWS?: unknown }).AWS) : [];
  const named = aws.some((a) => a === account || (a.startsWith(`arn:aws`) && a.split(':')[4] === account));
  const star = aws.includes('*');
  if (!named && !star) return false;
  const accounts = conditionValues(s.Condition, 'aws:PrincipalAccount');
  if (accounts && !accounts.includes(account)) return false;
  const orgs = conditionValues(s.Condition, 'aws:PrincipalOrgID');
  if (orgs) {
    if (orgId === undefined) return 'unknown';
    if (!orgs.includes(orgId)) return false;
  }
  return true;
}

const matches = (actions: string[], action: string, wildcards: boolean) =>
  actions.some(
    (a) =>
      a === action || (wildcards && (a === '*' || (a.endsWith(':*') && action.startsWith(a.slice(0, -1))))),
  );

/**
 * What `policy` says about `account` doing every one of `actions`. `wildcards`: whether `service:*`
 * counts (key policies: yes; vault access policies: AWS refuses wildcards in their actions).
 */
export function grantFor(
  policy: string | undefined,
  actions: string[],
  account: string,
  o: { orgId?: string | undefined; wildcards: boolean },
): Grant {
  if (!policy) return { kind: 'not-allowed' };
  const all = statements(policy);
  if (!all) return { kind: 'unknown', why: 'the policy is not JSON' };
  const sid = (s: Statement, i: number) =>
    typeof s.Sid === 'string' && s.Sid ? s.Sid : `statement ${i + 1}`;
  for (const [i, s] of all.entries())
    if (
      s.Effect === 'Deny' &&
      admits(s, account, o.orgId) === true &&
      actions.some((a) => matches(list(s.Action), a, true))
    )
      return { kind: 'denied', by: sid(s, i) };
  let unknown: string | undefined;
  const missing = actions.filter((action) => {
    for (const [i, s] of all.entries()) {
      if (s.Effect !== 'Allow' || !matches(list(s.Action), action, o.wildcards)) continue;
      const ok = admits(s, account, o.orgId);
      if (ok === true) return false;
      if (ok === 'unknown')
        unknown = `${sid(s, i)} admits by aws:PrincipalOrgID, and the organization of ${account} was not read`;
    }
    return true;
  });
  if (missing.length === 0) return { kind: 'allowed', by: 'the policy' };
  if (unknown) return { kind: 'unknown', why: unknown };
  return { kind: 'not-allowed' };
}

/**
 * Whether a resource policy lets only `intended` principals (of `account`) do `action`: no Allow
 * to anyone outside the account or to a service, and a Deny of `action` to everyone but them.
 */
export function onlyPrincipalsProblem(
  policy: string | undefined,
  account: string,
  intended: string[],
  action: string,
): string | undefined {
  if (!policy) return 'no resource policy: any principal of that account with IAM access could read it';
  const all = statements(policy);
  if (!all) return 'resource policy is not JSON';
  for (const s of all) {
    if (s.Effect !== 'Allow') continue;
    const p = s.Principal as { Service?: unknown; Federated?: unknown } | undefined;
    const other =
      typeof p === 'object' && p !== null ? [...list(p.Service), ...list(p.Federated)][0] : undefined;
    if (other) return `resource policy allows ${other}`;
    for (const a of awsPrincipals(s.Principal))
      if (a === '*' || !(a === account || a.includes(`::${account}:`)))
        return `resource policy allows ${a} (outside ${account})`;
  }
  const service = action.split(':')[0] ?? '';
  const guard = all.find((s) => {
    if (s.Effect !== 'Deny' || !awsPrincipals(s.Principal).includes('*')) return false;
    if (!list(s.Action).some((a) => a === '*' || a === `${service}:*` || a === action)) return false;
    // Only a negated match ("everyone but these") makes the Deny a guard.
    const except =
      conditionValues(s.Condition, 'aws:PrincipalArn', ['StringNotEquals', 'ArnNotEquals']) ?? [];
    return except.length > 0 && except.every((a) => intended.includes(a));
  });
  return guard ? undefined : 'resource policy does not deny reading to all but the escrow roles';
}
