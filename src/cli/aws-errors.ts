/**
 * What the CLI says when AWS cannot be used: credentials that do not load or are refused, an
 * endpoint that cannot be reached, a call AWS refused. Credential errors are described by their
 * name only: their messages can hold what a credential helper (credential_process) was given on
 * its command line or printed, which may be a token.
 */
import { oneLine } from '../errors.js';

const CREDENTIALS: Record<string, string> = {
  CredentialsProviderError:
    'no usable credentials were found, or the credential helper (credential_process, SSO, a web identity token) failed',
  TokenProviderError: 'the SSO token could not be loaded or refreshed (run "aws sso login")',
  ProviderError: 'the credentials could not be loaded',
  ExpiredToken: 'the session token has expired',
  ExpiredTokenException: 'the session token has expired',
  InvalidClientTokenId: 'AWS does not know this access key',
  UnrecognizedClientException: 'AWS does not know this access key',
  InvalidAccessKeyId: 'AWS does not know this access key',
  SignatureDoesNotMatch: 'the secret key does not match the access key',
  InvalidSignatureException: 'the secret key does not match the access key',
  IncompleteSignature: 'the request signature is incomplete',
  MissingAuthenticationToken: 'no credentials were sent',
  AuthFailure: 'AWS refused the credentials',
};

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EPROTO',
  'TimeoutError',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface AwsContext {
  profile?: string;
  endpoint?: string;
}

/** A one-line explanation when `e` is an AWS access problem (exit 2), else undefined (a bug). */
export function describeAwsFailure(e: unknown, context: AwsContext): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const { name } = e;
  const code = (e as NodeJS.ErrnoException).code;
  const where = context.profile ? ` (profile "${oneLine(context.profile, 80)}")` : '';
  const reason = CREDENTIALS[name];
  if (reason) {
    return `cannot use the AWS credentials${where}: ${name}: ${reason}. Check --profile, AWS_PROFILE and the AWS_* variables; "aws sts get-caller-identity" shows what is used.`;
  }
  const network = [code, name].find((c) => c !== undefined && NETWORK.has(c));
  if (network) {
    const target = context.endpoint ? oneLine(context.endpoint, 200) : 'the AWS endpoints of the region';
    return `cannot reach ${target} (${network}). Check --endpoint-url, --region and the network.`;
  }
  if (name === 'EndpointError') {
    return 'cannot work out which AWS endpoint to call (EndpointError). Check --region and --endpoint-url.';
  }
  const meta = (e as { $metadata?: { httpStatusCode?: number } }).$metadata;
  if (meta && typeof (e as { $fault?: unknown }).$fault === 'string') {
    const status = meta.httpStatusCode ? ` (HTTP ${meta.httpStatusCode})` : '';
    const message = e.message && e.message !== name ? `: ${oneLine(e.message, 200)}` : '';
    return `AWS refused a request${where}: ${oneLine(name, 80)}${status}${message}`;
  }
  return undefined;
}
