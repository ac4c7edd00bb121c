/**
 * AWS that cannot be used is exit 2 with a fixed explanation: credentials that do not load (and
 * nothing a credential helper was given or printed), refused credentials, an endpoint that does
 * not answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAwsFailure } from '../../src/cli/aws-errors.js';
import { buildCli, run } from './built-cli.js';

const SECRET_ARG = 'arg-token-6f1c2d9e';
const SECRET_OUT = 'printed-token-b7e4a0c3';
const dir = mkdtempSync(join(tmpdir(), 'sentinel-aws-'));
const POLICIES = join(dir, 'policies.yml');
let bundle = '';

/** The flags of a live run in eu-central-1 against `endpoint`. */
const live = (endpoint: string) => [
  '--region',
  'eu-central-1',
  '--endpoint-url',
  endpoint,
  '--policies',
  POLICIES,
];

/** A clean environment: no real credentials or config of the machine leak into the test. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(() => {
  bundle = buildCli();
  writeFileSync(POLICIES, 'policies:\n  gold: {}\n');
  const helper = join(dir, 'helper.mjs');
  writeFileSync(
    helper,
    [
      `console.log(JSON.stringify({ Version: 1, AccessKeyId: 'AKIA${SECRET_OUT}' }));`,
      `console.error('refreshing with ${SECRET_OUT} failed: ' + process.argv.slice(2).join(' '));`,
      "process.exit(process.argv.includes('--ok') ? 0 : 1);",
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'config'),
    [
      '[profile failing]',
      `credential_process = "${process.execPath}" "${helper}" --token ${SECRET_ARG}`,
      '[profile incomplete]',
      `credential_process = "${process.execPath}" "${helper}" --token ${SECRET_ARG} --ok`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'credentials'), '');
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials that do not load', () => {
  it.each(['failing', 'incomplete'])(
    'explains a failing credential_process (%s) without what it was given or printed',
    async (profile) => {
      // Prepare
      const port = await closedPort();
      // Act
      const result = await run(bundle, ['audit', '--profile', profile, ...live(`http://127.0.0.1:${port}`)], {
        env: env({}),
      });
      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error: cannot use the AWS credentials (profile "${profile}"): CredentialsProviderError: no usable credentials were found, or the credential helper`,
      );
      expect(result.stderr).not.toContain(SECRET_ARG);
      expect(result.stderr).not.toContain(SECRET_OUT);
      expect(result.stdout).not.toContain(SECRET_OUT);
      expect(result.stderr).not.toMatch(/\n {4}at /);
    },
    60_000,
  );
});

describe('an AWS endpoint that cannot be used', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    // an endpoint answering like STS does to an unknown access key
    server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  const KEYS = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-key-0d5b' };

  it('is exit 2 when nothing listens', async () => {
    // Prepare
    const port = await closedPort();
    // Act
    const result = await run(bundle, ['audit', ...live(`http://127.0.0.1:${port}`)], { env: env(KEYS) });
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: cannot reach http://127.0.0.1:${port} (ECONNREFUSED). Check --endpoint-url, --region and the network.\n`,
    );
    expect(result.stderr).not.toMatch(/\n {4}at /);
  }, 60_000);

  it('is exit 2 when AWS refuses the access key, and never shows the secret', async () => {
    // Act
    const result = await run(bundle, ['fix', ...live(url)], { env: env(KEYS) });
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: cannot use the AWS credentials: InvalidClientTokenId: AWS does not know this access key.',
    );
    expect(result.stderr).not.toContain('secret-key-0d5b');
  }, 60_000);
});

describe('describeAwsFailure', () => {
  it('never repeats the message of a credential error', () => {
    // Prepare
    const e = Object.assign(new Error(`Command failed: helper --token ${SECRET_ARG}\n${SECRET_OUT}`), {
      name: 'CredentialsProviderError',
    });
    // Act
    const text = describeAwsFailure(e, {});
    // Assess
    expect(text).toMatch(/^cannot use the AWS credentials: CredentialsProviderError: /);
    expect(text).not.toContain(SECRET_ARG);
    expect(text).not.toContain(SECRET_OUT);
  });

  it('names an AWS refusal with its status, and leaves other errors to be reported as bugs', () => {
    const refused = Object.assign(new Error('User: arn:aws:iam::1:user/x is not authorized'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect(describeAwsFailure(refused, { profile: 'ops' })).toBe(
      'AWS refused a request (profile "ops"): AccessDenied (HTTP 403): User: arn:aws:iam::1:user/x is not authorized',
    );
    expect(describeAwsFailure(new TypeError('x is undefined'), {})).toBeUndefined();
  });
});
