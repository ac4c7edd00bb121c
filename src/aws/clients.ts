/**
 * AWS SDK clients, created once per (service, region, account) and shared: adaptive retries,
 * an optional endpoint (emulators such as moto), optional credentials (a profile, or a role
 * assumed in the DR account), and a count of the calls each made (for the benchmark).
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AwsOptions {
  /** Endpoint for every service, e.g. http://127.0.0.1:5000 for moto server. */
  endpoint?: string;
  profile?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call, throttling included (adaptive retry mode). */
  maxAttempts?: number;
}

type Ctor<T> = new (config: Record<string, unknown>) => T;

export class Aws {
  /** AWS calls made, by "Service.Operation". */
  readonly calls = new Map<string, number>();
  private readonly clients = new Map<string, unknown>();
  private readonly credentials: AwsOptions['credentials'];

  constructor(readonly options: AwsOptions = {}) {
    this.credentials =
      options.credentials ?? (options.profile ? fromIni({ profile: options.profile }) : undefined);
  }

  /** The same clients, signed with a role assumed in another account (read-only DR role). */
  assume(roleArn: string, region: string): Aws {
    const base = this.credentials;
    return new Aws({
      ...this.options,
      credentials: fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: 'backup-sentinel', DurationSeconds: 900 },
        ...(base ? { masterCredentials: base } : {}),
        clientConfig: { region, ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}) },
      }),
    });
  }

  backup = (region: string) => this.client(BackupClient, region);
  s3 = (region: string) => this.client(S3Client, region, { forcePathStyle: Boolean(this.options.endpoint) });
  rds = (region: string) => this.client(RDSClient, region);
  tagging = (region: string) => this.client(ResourceGroupsTaggingAPIClient, region);
  kms = (region: string) => this.client(KMSClient, region);
  sts = (region: string) => this.client(STSClient, region);
  config = (region: string) => this.client(ConfigServiceClient, region);
  sns = (region: string) => this.client(SNSClient, region);
  dynamodb = (region: string) => this.client(DynamoDBClient, region);
  secretsManager = (region: string) => this.client(SecretsManagerClient, region);
  organizations = (region: string) => this.client(OrganizationsClient, region);
  iam = (region: string) => this.client(IAMClient, region);

  totalCalls(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  private client<T extends { middlewareStack: { add: (...a: never[]) => void } }>(
    ctor: Ctor<T>,
    region: string,
    extra: Record<string, unknown> = {},
  ): T {
    const key = `${ctor.name}|${region}`;
    const existing = this.clients.get(key) as T | undefined;
    if (existing) return existing;
    const client = new ctor({
      region,
      retryMode: 'adaptive',
      maxAttempts: this.options.maxAttempts ?? 8,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.credentials ? { credentials: this.credentials } : {}),
      ...extra,
    });
    const service = ctor.name.replace(/Client$/, '');
    (client.middlewareStack.add as (mw: unknown, opts: unknown) => void)(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        const name = `${service}.${(context.commandName ?? '').replace(/Command$/, '')}`;
        this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'backupSentinelCallCounter' },
    );
    this.clients.set(key, client);
    return client;
  }
}
