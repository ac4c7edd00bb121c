/**
 * The incident table on DynamoDB: one item per incident key, written with optimistic concurrency
 * (a version number), deleted by DynamoDB's TTL some time after `expiresAt`.
 */
import type { AttributeDefinition, AttributeValue, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import type { DynamoDbApi } from '../aws/clients.js';
import { SentinelError } from '../errors.js';
import type { IncidentRecord, IncidentStore } from './types.js';

/**
 * The table's shape, for its CloudFormation declaration (resources/): partition key `incident`
 * (S), no sort key, TTL on `expiresAt` (N, epoch seconds). No index: `open()` scans.
 *
 * @example
 * { Type: 'AWS::DynamoDB::Table', Properties: { BillingMode: 'PAY_PER_REQUEST',
 *   KeySchema: INCIDENT_TABLE.keySchema, AttributeDefinitions: INCIDENT_TABLE.attributeDefinitions,
 *   TimeToLiveSpecification: { AttributeName: INCIDENT_TABLE.ttlAttribute, Enabled: true } } }
 */
export const INCIDENT_TABLE: {
  readonly partitionKey: 'incident';
  readonly ttlAttribute: 'expiresAt';
  readonly keySchema: KeySchemaElement[];
  readonly attributeDefinitions: AttributeDefinition[];
} = {
  partitionKey: 'incident',
  ttlAttribute: 'expiresAt',
  keySchema: [{ AttributeName: 'incident', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'incident', AttributeType: 'S' }],
};

/** The string attributes of a record; the others (count, expiresAt, version) are numbers. */
const STRINGS = ['incident', 'state', 'kind', 'severity', 'title', 'openedAt', 'lastAlertAt'] as const;
const NUMBERS = ['count', 'expiresAt', 'version'] as const;

/** The DynamoDB item for a record. */
function toItem(record: IncidentRecord): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const name of STRINGS) item[name] = { S: record[name] };
  for (const name of NUMBERS) item[name] = { N: String(record[name]) };
  return item;
}

/** The record in a DynamoDB item; throws when an attribute is missing or of another type. */
function fromItem(item: Record<string, AttributeValue>): IncidentRecord {
  const key = item.incident?.S ?? '(no key)';
  const string = (name: (typeof STRINGS)[number]) => {
    const value = item[name]?.S;
    if (value === undefined) throw new SentinelError(`incident ${key}: item has no string "${name}"`);
    return value;
  };
  const number = (name: (typeof NUMBERS)[number]) => {
    const value = Number(item[name]?.N);
    if (!Number.isFinite(value)) throw new SentinelError(`incident ${key}: item has no number "${name}"`);
    return value;
  };
  return {
    incident: string('incident'),
    state: string('state') as IncidentRecord['state'],
    kind: string('kind') as IncidentRecord['kind'],
    severity: string('severity') as IncidentRecord['severity'],
    title: string('title'),
    openedAt: string('openedAt'),
    lastAlertAt: string('lastAlertAt'),
    count: number('count'),
    expiresAt: number('expiresAt'),
    version: number('version'),
  };
}

/** When the incident opened, in epoch milliseconds; an unreadable date sorts last. */
function openedAt(record: IncidentRecord): number {
  const ms = Date.parse(record.openedAt);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** IncidentStore on a DynamoDB table shaped as INCIDENT_TABLE says. */
export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly dynamodb: DynamoDbApi,
    private readonly tableName: string,
  ) {}

  /** The record, read consistently; undefined when there is none (never opened, or expired). */
  async get(incident: string): Promise<IncidentRecord | undefined> {
    const { Item } = await this.dynamodb.send(
      (sdk) =>
        new sdk.GetItemCommand({
          TableName: this.tableName,
          Key: { incident: { S: incident } },
          ConsistentRead: true,
        }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Writes the record if nobody wrote since it was read: the item is absent, or its version is
   * `record.version - 1`. False when the condition fails (the caller reads again and decides
   * again); other errors are thrown.
   */
  async put(record: IncidentRecord): Promise<boolean> {
    if (!Number.isInteger(record.version) || record.version < 1)
      throw new SentinelError(
        `incident ${record.incident}: version must be an integer ≥ 1 (got ${record.version})`,
      );
    try {
      await this.dynamodb.send(
        (sdk) =>
          new sdk.PutItemCommand({
            TableName: this.tableName,
            Item: toItem(record),
            ConditionExpression: 'attribute_not_exists(#incident) OR #version = :previous',
            ExpressionAttributeNames: { '#incident': 'incident', '#version': 'version' },
            ExpressionAttributeValues: { ':previous': { N: String(record.version - 1) } },
          }),
      );
      return true;
    } catch (error) {
      if (error instanceof (await this.dynamodb.sdk()).ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Up to `limit` open incidents, oldest `openedAt` first. A filtered Scan of the whole table:
   * the table holds one item per incident until its TTL, tens to hundreds of items, so a scan
   * costs a page or two; an index would be worth it only for a far larger table.
   */
  async open(limit: number): Promise<IncidentRecord[]> {
    const open: IncidentRecord[] = [];
    const pages = this.dynamodb.pages((sdk, client) =>
      sdk.paginateScan(
        { client },
        {
          TableName: this.tableName,
          ConsistentRead: true,
          FilterExpression: '#state = :open',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':open': { S: 'open' } },
        },
      ),
    );
    for await (const page of pages) for (const item of page.Items ?? []) open.push(fromItem(item));
    open.sort((a, b) => openedAt(a) - openedAt(b) || (a.incident < b.incident ? -1 : 1));
    return open.slice(0, Math.max(0, limit));
  }
}
