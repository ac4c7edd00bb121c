/**
 * Fuzzing with mutated real payloads (fast-check): the policy parser, the inventory parser and the
 * audit engine, the event router and the AWS Config entry point. Each must answer every input in
 * a defined way — a result or its own error type, never a TypeError — within 1 s a case, and a
 * malformed resource is never reported COMPLIANT. `npm run fuzz` runs 10,000 cases per target.
 */
import { readFileSync } from 'node:fs';
import { BackupClient } from '@aws-sdk/client-backup';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { evaluateConfigEvent, InvalidConfigEventError } from '../../src/app/config-rule.js';
import { targetsOf } from '../../src/app/events.js';
import { Aws } from '../../src/aws/clients.js';
import { InvalidFileError } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory/index.js';
import { own } from '../../src/maps.js';
import { parsePolicies } from '../../src/policy/index.js';
import { audit } from '../../src/rules/engine.js';
import { RULES } from '../../src/rules/registry.js';
import { mockAccountReads } from '../support/account-reads.js';
import { FIXTURES } from '../support/fixtures.js';
import { edits, HOSTILE_STRINGS, mutate, RUNS } from './mutate.js';

const CASE_BUDGET_MS = 1000;
/** A whole target may take minutes at 10,000 cases. */
const TARGET_TIMEOUT_MS = 900_000;
const policyText = readFileSync('examples/policies.yml', 'utf8');
const policies = parsePolicies(policyText);
const demo = JSON.parse(readFileSync('examples/demo-account.json', 'utf8'));
const now = new Date(demo.capturedAt);
const fixture = (path: string) => JSON.parse(readFileSync(`${FIXTURES}/${path}`, 'utf8'));
const stats: Record<string, { cases: number; crashes: number; slowestMs: number }> = {};
const stat = (target: string) => {
  stats[target] ??= { cases: 0, crashes: 0, slowestMs: 0 };
  return stats[target];
};

afterAll(() => {
  for (const [target, s] of Object.entries(stats))
    console.log(
      `[fuzz] ${target}: ${s.cases} cases, ${s.crashes} crashes, slowest ${s.slowestMs.toFixed(1)} ms`,
    );
});

/** fc.assert that counts cases and keeps the slowest; a failing case is a crash. */
function fuzz<T>(target: string, arb: fc.Arbitrary<T>, check: (input: T) => void): void {
  const s = stat(target);
  try {
    fc.assert(
      fc.property(arb, (input) => {
        s.cases++;
        const start = performance.now();
        check(input);
        const ms = performance.now() - start;
        s.slowestMs = Math.max(s.slowestMs, ms);
        expect(ms, 'one case took over 1 s').toBeLessThan(CASE_BUDGET_MS);
      }),
      { numRuns: RUNS },
    );
  } catch (e) {
    s.crashes++;
    throw e;
  }
}

describe('fuzz: policy parser', () => {
  const base = parseYaml(policyText);
  // Text-level damage too: a character inserted, or a slice deleted, somewhere in the file.
  const textEdit = fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 40 }),
    insert: fc.constantFrom('', ':', '&a ', '*a', '- ', '{', '\t', '"', '\u0000', ...HOSTILE_STRINGS),
  });
  it(
    'answers every mutated policy file with policies or InvalidFileError',
    () => {
      fuzz('policy parser', fc.tuple(edits(), fc.array(textEdit, { maxLength: 3 })), ([list, cuts]) => {
        let text = stringifyYaml(mutate(base, list));
        for (const c of cuts) {
          const at = c.at % (text.length + 1);
          text = text.slice(0, at) + c.insert + text.slice(at + c.cut);
        }
        try {
          const set = parsePolicies(text, 'fuzz.yml');
          // A valid set resolves any tag value, prototype names included, without a crash.
          for (const v of HOSTILE_STRINGS) expect(() => resolveAll(set, v)).not.toThrow();
        } catch (e) {
          if (!(e instanceof InvalidFileError)) throw e;
          expect(e.problems.length).toBeGreaterThan(0);
          expect(e.problems.length).toBeLessThanOrEqual(21);
        }
      });
    },
    TARGET_TIMEOUT_MS,
  );
});

function resolveAll(set: ReturnType<typeof parsePolicies>, value: string) {
  return audit(
    parseInventory(
      JSON.stringify({
        version: 1,
        capturedAt: now.toISOString(),
        accountId: '111111111111',
        regions: ['eu-central-1'],
        resources: [
          {
            Type: 'AWS::S3::Bucket',
            Arn: 'arn:aws:s3:::b',
            Region: 'eu-central-1',
            AccountId: '111111111111',
            Name: 'b',
            Tags: { [set.tagKey]: value, [set.remediateTagKey]: value },
          },
        ],
      }),
    ),
    set,
    { now },
  );
}

describe('fuzz: inventory parser and audit engine', () => {
  it(
    'parses or rejects every mutated inventory, audits what parses, and never calls a malformed resource compliant',
    () => {
      fuzz('inventory + engine', edits(8), (list) => {
        const text = JSON.stringify(mutate(demo, list));
        let inventory: ReturnType<typeof parseInventory>;
        try {
          inventory = parseInventory(text, 'fuzz.json');
        } catch (e) {
          if (e instanceof InvalidFileError) return;
          throw e;
        }
        const findings = audit(inventory, policies, { now });
        // A rule that threw is a crash too (the engine reports it as ERROR "rule failed").
        expect(findings.filter((f) => f.message.startsWith('rule failed')).map((f) => f.message)).toEqual([]);
        for (const r of inventory.resources) {
          const mine = findings.filter((f) => f.resourceArn === r.Arn);
          // A tag naming no policy (a prototype name, say) is never a declared policy.
          const value = own(r.Tags, policies.tagKey)?.trim();
          if (value && value !== 'none' && own(policies.policies, value) === undefined)
            expect(mine.find((f) => f.ruleId === 'coverage.policy-declared')?.status).not.toBe('COMPLIANT');
          // A check whose data could not be read for this resource is never compliant.
          for (const e of inventory.collectionErrors.filter((x) => x.Arn === r.Arn)) {
            const needing = RULES.filter((rule) => rule.permissions.collect.includes(e.Action)).map(
              (rule) => rule.id,
            );
            for (const f of mine.filter((x) => needing.includes(x.ruleId)))
              expect(f.status).not.toBe('COMPLIANT');
          }
        }
      });
    },
    TARGET_TIMEOUT_MS,
  );
});

describe('fuzz: event router', () => {
  const events = [
    'events/cloudtrail_s3_CreateBucket_custodian.json',
    'events/cloudtrail_record_rds_CreateDBInstance_docs.json',
    'events/rds_db_instance_event_failover_docs.json',
    'events/rds_db_cluster_event_patched_docs.json',
    'events/tag_change_on_resource_ec2_docs.json',
    'events/backup_job_state_change_failed.json',
    'events/scheduled_event_docs.json',
  ].map(fixture);
  it(
    'gives every mutated event a defined answer',
    () => {
      fuzz('event router', fc.tuple(fc.constantFrom(...events), edits()), ([event, list]) => {
        const targets = targetsOf(mutate(event, list));
        expect(['resources', 'sweep', 'ignored']).toContain(targets.kind);
        if (targets.kind === 'resources') {
          expect(targets.arns.length).toBeGreaterThan(0);
          for (const arn of targets.arns) expect(arn).toMatch(/^arn:aws[a-z-]*:(rds|s3):/);
        } else expect(targets.reason).toBeTruthy();
      });
    },
    TARGET_TIMEOUT_MS,
  );
});

describe('fuzz: AWS Config entry', () => {
  const clients = [
    BackupClient,
    ConfigServiceClient,
    KMSClient,
    RDSClient,
    ResourceGroupsTaggingAPIClient,
    S3Client,
  ];
  const mocks = clients.map((c) => mockClient(c as never));
  const sts = mockClient(STSClient);
  mockAccountReads();
  const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const invocations = [
    'config/config_rule_change_notification_s3_bucket_custodian.json',
    'config/config_rule_change_notification_rds_dbinstance_custodian.json',
    'config/config_rule_change_notification_ec2_docs.json',
    'config/config_rule_oversized_change_notification_docs.json',
    'config/config_rule_scheduled_notification_docs.json',
  ].map((path) => {
    const e = fixture(path);
    return { outer: { ...e, invokingEvent: undefined }, invoking: JSON.parse(e.invokingEvent) };
  });
  beforeAll(() => {
    for (const m of mocks) m.onAnyCommand().resolves({});
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
  });
  afterAll(() => {
    for (const m of [...mocks, sts]) m.restore();
  });

  it(
    'answers every mutated invocation with well-formed evaluations (or InvalidConfigEventError)',
    async () => {
      const s = stat('config entry');
      const arb = fc.tuple(fc.constantFrom(...invocations), edits(), edits(3), fc.boolean());
      await fc
        .assert(
          fc.asyncProperty(arb, async ([inv, inner, outer, rawText]) => {
            s.cases++;
            const event = {
              ...mutate(inv.outer, outer),
              invokingEvent: rawText
                ? JSON.stringify(mutate(inv.invoking, inner))
                : JSON.stringify(inner[0]?.value ?? null),
              resultToken: 'TESTMODE',
            };
            const start = performance.now();
            let evaluations: Awaited<ReturnType<typeof evaluateConfigEvent>> = [];
            try {
              evaluations = await evaluateConfigEvent(aws, event as never, { policies, now });
            } catch (e) {
              if (!(e instanceof InvalidConfigEventError)) throw e;
            }
            const ms = performance.now() - start;
            s.slowestMs = Math.max(s.slowestMs, ms);
            expect(ms).toBeLessThan(CASE_BUDGET_MS);
            for (const ev of evaluations) {
              expect(typeof ev.ComplianceResourceId === 'string' && ev.ComplianceResourceId !== '').toBe(
                true,
              );
              expect(typeof ev.ComplianceResourceType === 'string' && ev.ComplianceResourceType !== '').toBe(
                true,
              );
              expect(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE']).toContain(ev.ComplianceType);
              expect(
                ev.OrderingTimestamp instanceof Date && !Number.isNaN(ev.OrderingTimestamp.getTime()),
              ).toBe(true);
              expect((ev.Annotation ?? '').length).toBeLessThanOrEqual(256);
            }
          }),
          { numRuns: RUNS },
        )
        .catch((e) => {
          s.crashes++;
          throw e;
        });
    },
    TARGET_TIMEOUT_MS,
  );
});
