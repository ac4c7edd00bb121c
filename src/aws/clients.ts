/**
 * AWS SDK clients, created once per (service, region, account) and shared: adaptive retries,
 * an optional endpoint (emulators such as moto), optional credentials (a profile, or a role
 * assumed in the DR account), and a count of the calls each made (for the benchmark).
 *
 * Nothing of the SDK is loaded when this module is: each service's package is imported on its
 * first call (about 110 ms for the first package in a process, 40 ms for each next one), so a
 * function loads only the services its path calls. A call names its command through the loaded
 * package: `aws.s3(region).send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket }))`; pages
 * likewise: `aws.rds(region).pages((sdk, client) => sdk.paginateDescribeDBInstances({ client }, {}))`.
 */
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Command,
  MetadataBearer,
} from '@smithy/types';

export interface AwsOptions {
  /** Endpoint for every service, e.g. http://127.0.0.1:5000 for moto server. */
  endpoint?: string;
  profile?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call, throttling included (adaptive retry mode). */
  maxAttempts?: number;
}

/** Each service: its package, loaded on first use, and its client class in it. */
const SERVICES = {
  backup: { load: () => import('@aws-sdk/client-backup'), client: 'BackupClient', label: 'Backup' },
  config: {
    load: () => import('@aws-sdk/client-config-service'),
    client: 'ConfigServiceClient',
    label: 'ConfigService',
  },
  dynamodb: { load: () => import('@aws-sdk/client-dynamodb'), client: 'DynamoDBClient', label: 'DynamoDB' },
  iam: { load: () => import('@aws-sdk/client-iam'), client: 'IAMClient', label: 'IAM' },
  kms: { load: () => import('@aws-sdk/client-kms'), client: 'KMSClient', label: 'KMS' },
  organizations: {
    load: () => import('@aws-sdk/client-organizations'),
    client: 'OrganizationsClient',
    label: 'Organizations',
  },
  rds: { load: () => import('@aws-sdk/client-rds'), client: 'RDSClient', label: 'RDS' },
  s3: { load: () => import('@aws-sdk/client-s3'), client: 'S3Client', label: 'S3' },
  secretsManager: {
    load: () => import('@aws-sdk/client-secrets-manager'),
    client: 'SecretsManagerClient',
    label: 'SecretsManager',
  },
  sns: { load: () => import('@aws-sdk/client-sns'), client: 'SNSClient', label: 'SNS' },
  sts: { load: () => import('@aws-sdk/client-sts'), client: 'STSClient', label: 'STS' },
  tagging: {
    load: () => import('@aws-sdk/client-resource-groups-tagging-api'),
    client: 'ResourceGroupsTaggingAPIClient',
    label: 'ResourceGroupsTaggingAPI',
  },
} as const;

type Services = typeof SERVICES;
export type Service = keyof Services;
/** The loaded package of a service (its commands, paginators, exceptions, client class). */
export type Sdk<S extends Service> = Awaited<ReturnType<Services[S]['load']>>;
type ClientOf<S extends Service> = Sdk<S>[Services[S]['client'] & keyof Sdk<S>] extends new (
  ...a: never[]
) => infer C
  ? C
  : never;
// biome-ignore lint/suspicious/noExplicitAny: a command of any service, typed by its output
type AnyCommand<O extends MetadataBearer> = Command<any, any, any, O, any>;
type SmithyClient = {
  send(command: unknown, options?: unknown): Promise<unknown>;
  middlewareStack: { add(mw: unknown, opts: unknown): void };
};

/** One service's client in one Region: its package and client are made on the first call. */
export class Api<S extends Service> {
  private made?: Promise<{ sdk: Sdk<S>; client: ClientOf<S> }>;

  constructor(
    private readonly service: S,
    private readonly make: (sdk: Sdk<S>) => ClientOf<S>,
  ) {}

  /** The SDK client itself (tests mock it; a waiter or utility may need it). */
  async client(): Promise<ClientOf<S>> {
    return (await this.ready()).client;
  }

  /** One call: `command` builds the SDK command from the loaded package. */
  async send<O extends MetadataBearer>(
    command: (sdk: Sdk<S>) => AnyCommand<O>,
    options?: object,
  ): Promise<O> {
    const { sdk, client } = await this.ready();
    return (client as unknown as SmithyClient).send(command(sdk), options) as Promise<O>;
  }

  /** The pages of an SDK paginator run with this client. */
  async *pages<T>(paginate: (sdk: Sdk<S>, client: ClientOf<S>) => AsyncIterable<T>): AsyncGenerator<T> {
    const { sdk, client } = await this.ready();
    yield* paginate(sdk, client);
  }

  /** The loaded package, e.g. to recognise one of its exception classes. */
  async sdk(): Promise<Sdk<S>> {
    return (await this.ready()).sdk;
  }

  private ready() {
    this.made ??= (SERVICES[this.service].load() as Promise<Sdk<S>>).then((sdk) => ({
      sdk,
      client: this.make(sdk),
    }));
    return this.made;
  }
}

/**
 * How hard one service in one Region is driven. Calls in flight at most (the SDK's socket pool
 * holds 50), and, where AWS documents the account's budget, a token bucket at half of it: the
 * budget is the whole account's, shared with the owner's consoles, pipelines and tools. Throttling
 * past that is left to the SDK's adaptive retries (which also slow the client down).
 * RDS: 300 requests in a burst, 12 a second sustained, per account and Region
 * (AmazonRDS/latest/UserGuide/rds-api-throttling.html). IAM: no published rate; the simulation
 * calls are kept few at a time.
 */
export const SERVICE_LIMITS: Readonly<
  Record<Service, { inFlight: number; perSecond?: number; burst?: number }>
> = {
  backup: { inFlight: 16 },
  config: { inFlight: 8 },
  dynamodb: { inFlight: 16 },
  iam: { inFlight: 4 },
  kms: { inFlight: 16 },
  organizations: { inFlight: 4 },
  rds: { inFlight: 16, perSecond: 6, burst: 150 },
  s3: { inFlight: 48 },
  secretsManager: { inFlight: 8 },
  sns: { inFlight: 8 },
  sts: { inFlight: 4 },
  tagging: { inFlight: 8 },
};

/** Calls in flight at most, and at most `perSecond` started a second after a first `burst`. */
export class Limiter {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly max: number,
    private readonly perSecond?: number,
    private readonly burst = 1,
  ) {
    this.tokens = burst;
  }

  async acquire(): Promise<void> {
    while (this.inFlight >= this.max) await new Promise<void>((wake) => this.waiting.push(wake));
    this.inFlight++;
    const perSecond = this.perSecond;
    if (!perSecond) return;
    const now = Date.now();
    this.tokens = Math.min(this.tokens + ((now - this.refilledAt) / 1000) * perSecond, this.burst);
    this.refilledAt = now;
    // Reserved now, waited for after: concurrent callers queue up behind each other's tokens.
    this.tokens -= 1;
    if (this.tokens < 0) await new Promise((r) => setTimeout(r, (-this.tokens / perSecond) * 1000));
  }

  release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

export type BackupApi = Api<'backup'>;
export type S3Api = Api<'s3'>;
export type RdsApi = Api<'rds'>;
export type KmsApi = Api<'kms'>;
export type DynamoDbApi = Api<'dynamodb'>;
export type SnsApi = Api<'sns'>;
export type SecretsManagerApi = Api<'secretsManager'>;

type Providers = typeof import('@aws-sdk/credential-providers');

/** A credential provider whose package is loaded when credentials are first asked for. */
function lazyCredentials(
  make: (p: Providers) => AwsCredentialIdentityProvider,
): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    provider ??= import('@aws-sdk/credential-providers').then(make);
    return (await provider)(options);
  };
}

export class Aws {
  /** AWS calls made, by "Service.Operation". */
  readonly calls = new Map<string, number>();
  private readonly clients = new Map<string, Api<Service>>();
  private readonly credentials: AwsOptions['credentials'];

  constructor(readonly options: AwsOptions = {}) {
    const profile = options.profile;
    this.credentials =
      options.credentials ?? (profile ? lazyCredentials((p) => p.fromIni({ profile })) : undefined);
  }

  /** The same clients, signed with a role assumed in another account (read-only DR role). */
  assume(roleArn: string, region: string): Aws {
    const base = this.credentials;
    const endpoint = this.options.endpoint;
    return new Aws({
      ...this.options,
      credentials: lazyCredentials((p) =>
        p.fromTemporaryCredentials({
          params: { RoleArn: roleArn, RoleSessionName: 'backup-sentinel', DurationSeconds: 900 },
          ...(base ? { masterCredentials: base } : {}),
          clientConfig: { region, ...(endpoint ? { endpoint } : {}) },
        }),
      ),
    });
  }

  backup = (region: string) => this.api('backup', region);
  s3 = (region: string) => this.api('s3', region, { forcePathStyle: Boolean(this.options.endpoint) });
  rds = (region: string) => this.api('rds', region);
  tagging = (region: string) => this.api('tagging', region);
  kms = (region: string) => this.api('kms', region);
  sts = (region: string) => this.api('sts', region);
  config = (region: string) => this.api('config', region);
  sns = (region: string) => this.api('sns', region);
  dynamodb = (region: string) => this.api('dynamodb', region);
  secretsManager = (region: string) => this.api('secretsManager', region);
  organizations = (region: string) => this.api('organizations', region);
  iam = (region: string) => this.api('iam', region);

  totalCalls(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  private api<S extends Service>(service: S, region: string, extra: Record<string, unknown> = {}): Api<S> {
    const key = `${service}|${region}`;
    const existing = this.clients.get(key) as Api<S> | undefined;
    if (existing) return existing;
    const api = new Api(service, (sdk) => {
      const Client = sdk[SERVICES[service].client as keyof Sdk<S>] as new (config: object) => ClientOf<S>;
      const client = new Client({
        region,
        retryMode: 'adaptive',
        maxAttempts: this.options.maxAttempts ?? 8,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(this.credentials ? { credentials: this.credentials } : {}),
        ...extra,
      });
      const { inFlight, perSecond, burst } = SERVICE_LIMITS[service];
      this.count(
        client as unknown as SmithyClient,
        SERVICES[service].label,
        new Limiter(inFlight, perSecond, burst),
      );
      return client;
    });
    this.clients.set(key, api as unknown as Api<Service>);
    return api;
  }

  /** Counts each call (retries included once) and holds it until its service's limiter lets it go. */
  private count(client: SmithyClient, label: string, limiter: Limiter): void {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const name = `${label}.${(context.commandName ?? '').replace(/Command$/, '')}`;
          this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
          await limiter.acquire();
          try {
            return await next(args);
          } finally {
            limiter.release();
          }
        },
      { step: 'initialize', name: 'backupSentinelCallCounter' },
    );
  }
}
