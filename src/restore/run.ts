/**
 * Runs a restore plan's steps in order and keeps its record (each step's input, start, end,
 * duration, outcome), written after every step so an interruption leaves a record to --resume.
 * A resumed run starts at the first step not done, after checking that every done step still
 * holds (the restored database is there, the original is still renamed). Every write re-reads
 * first: a restore whose database already exists and carries this run's tag is taken as done (a
 * resume), one that does not is a conflict and stops; a rename already made is not made again.
 * Waits poll the Describe* call with a bounded backoff until the timeout.
 */
import type {
  DBInstance,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { errorText } from '../errors.js';
import { describeInstance } from './describe.js';
import { type RdsContext, type RdsExpected, RUN_TAG } from './plan-rds.js';
import type { S3Context } from './plan-s3.js';
import { auroraHandlers } from './run-aurora.js';
import { type Env, type Handler, poll, type RunOptions, StepFailure, startRestoreJob } from './steps.js';
import type { RestoreRecord } from './types.js';

export type { RunOptions } from './steps.js';

const tagOf = (db: DBInstance | undefined, key: string) => db?.TagList?.find((t) => t.Key === key)?.Value;

/** What differs between the restored database and what was expected. */
export function verifyRestored(db: DBInstance, x: RdsExpected): string[] {
  const bad: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (expected !== undefined && actual !== expected)
      bad.push(`${what} is ${JSON.stringify(actual ?? null)}, expected ${JSON.stringify(expected)}`);
  };
  check('status', db.DBInstanceStatus, 'available');
  check('engine', db.Engine, x.engine);
  check('engine version', db.EngineVersion, x.engineVersion);
  check('storage encryption', db.StorageEncrypted ?? false, x.storageEncrypted);
  if (x.storageEncrypted) check('KMS key', db.KmsKeyId, x.kmsKeyId);
  if (x.allocatedStorage !== undefined && (db.AllocatedStorage ?? 0) < x.allocatedStorage)
    bad.push(`allocated storage is ${db.AllocatedStorage ?? 0} GiB, expected at least ${x.allocatedStorage}`);
  check('storage type', db.StorageType, x.storageType);
  check('instance class', db.DBInstanceClass, x.instanceClass);
  check('Multi-AZ', db.MultiAZ, x.multiAZ);
  check('subnet group', db.DBSubnetGroup?.DBSubnetGroupName, x.subnetGroup);
  if (x.securityGroups) {
    const got = (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).sort();
    if (JSON.stringify(got) !== JSON.stringify([...x.securityGroups].sort()))
      bad.push(`security groups are ${JSON.stringify(got)}, expected ${JSON.stringify(x.securityGroups)}`);
  }
  check('parameter group', db.DBParameterGroups?.[0]?.DBParameterGroupName, x.parameterGroup);
  check('option group', db.OptionGroupMemberships?.[0]?.OptionGroupName, x.optionGroup);
  check('deletion protection', db.DeletionProtection ?? false, x.deletionProtection);
  return bad;
}

const idOf = (db: DBInstance): Record<string, string> =>
  db.DbiResourceId ? { DbiResourceId: db.DbiResourceId } : {};

const available = (db: DBInstance | undefined) => db?.DBInstanceStatus === 'available';

function rdsHandlers(): Record<string, Handler> {
  const rds = (env: Env) => env.o.aws.rds(env.o.region);
  const ctx = (env: Env) => env.record.context as unknown as RdsContext;
  const ours = (env: Env, db: DBInstance | undefined) => tagOf(db, RUN_TAG) === env.record.runId;
  const restoredId = (env: Env) =>
    env.record.steps.find((s) => s.name === 'verify-restored' || s.name === 'wait-restored')?.result
      ?.DbiResourceId;

  /** The restored database, wherever the renames left it (target id, or the original's id). */
  const findRestored = async (env: Env) => {
    const c = ctx(env);
    for (const id of [c.targetId, c.dbId]) {
      const db = await describeInstance(rds(env), id);
      if (db && ours(env, db)) return db;
    }
    return undefined;
  };
  const restoredHolds = async (env: Env) =>
    (await findRestored(env))
      ? undefined
      : `the restored database (tag ${RUN_TAG}=${env.record.runId}) is gone`;

  const restore: Handler = {
    run: async (env, step) => {
      const c = ctx(env);
      const existing = await describeInstance(rds(env), c.targetId);
      if (existing) {
        if (ours(env, existing)) return { detail: `already restored by this run (found ${c.targetId})` };
        throw new StepFailure(
          `a database named ${c.targetId} already exists and was not made by this restore (no tag ${RUN_TAG}=${env.record.runId}): pass another --target-id`,
        );
      }
      const input = step.input as Record<string, unknown>;
      if (step.call === 'backup:StartRestoreJob') return startRestoreJob(env, step);
      if (step.call === 'rds:RestoreDBInstanceToPointInTime') {
        const { RestoreTime, ...rest } = input;
        await rds(env).send(
          (sdk) =>
            new sdk.RestoreDBInstanceToPointInTimeCommand({
              ...(rest as object),
              RestoreTime: new Date(String(RestoreTime)),
            } as ConstructorParameters<typeof RestoreDBInstanceToPointInTimeCommand>[0]),
        );
        return { detail: `restore of ${c.dbId} to ${String(RestoreTime)} started as ${c.targetId}` };
      }
      await rds(env).send(
        (sdk) =>
          new sdk.RestoreDBInstanceFromDBSnapshotCommand(
            input as unknown as ConstructorParameters<typeof RestoreDBInstanceFromDBSnapshotCommand>[0],
          ),
      );
      return { detail: `restore started as ${c.targetId}` };
    },
    holds: restoredHolds,
  };

  const waitRestoreJob: Handler = {
    run: async (env) => {
      const jobId = env.record.steps.find((s) => s.name === 'restore')?.result?.RestoreJobId;
      if (!jobId) throw new StepFailure('the restore step recorded no RestoreJobId');
      const job = await poll(env, `restore job ${jobId}`, async () => {
        const j = await env.o.aws
          .backup(env.o.region)
          .send((sdk) => new sdk.DescribeRestoreJobCommand({ RestoreJobId: jobId }));
        env.progress(`restore job ${jobId}: ${j.Status ?? '?'}${j.PercentDone ? ` ${j.PercentDone}` : ''}`);
        if (j.Status === 'FAILED' || j.Status === 'ABORTED')
          throw new StepFailure(
            `restore job ${jobId} ${j.Status}: ${j.StatusMessage ?? 'no status message'}`,
          );
        return j.Status === 'COMPLETED' ? j : undefined;
      });
      return {
        detail: `restore job ${jobId} COMPLETED${job.CreatedResourceArn ? `: ${job.CreatedResourceArn}` : ''}`,
        result: {
          RestoreJobId: jobId,
          ...(job.CreatedResourceArn ? { CreatedResourceArn: job.CreatedResourceArn } : {}),
        },
      };
    },
  };

  const waitAvailable =
    (
      id: (c: RdsContext) => string,
      check?: (env: Env, db: DBInstance) => string | undefined,
    ): Handler['run'] =>
    async (env) => {
      const c = ctx(env);
      const target = id(c);
      const db = await poll(env, `${target} to be available`, async () => {
        const d = await describeInstance(rds(env), target);
        env.progress(`${target}: ${d?.DBInstanceStatus ?? 'not there yet'}`);
        return available(d) ? d : undefined;
      });
      const wrong = check?.(env, db);
      if (wrong) throw new StepFailure(wrong);
      return {
        detail: `${target} is available`,
        result: idOf(db),
      };
    };

  const dbArn = async (env: Env, id: string) => {
    const db = await describeInstance(rds(env), id);
    if (!db?.DBInstanceArn) throw new StepFailure(`${id} is not there to change`);
    return db;
  };

  return {
    restore,
    'wait-restore-job': { ...waitRestoreJob, holds: restoredHolds },
    'wait-restored': {
      run: waitAvailable(
        (c) => c.targetId,
        (env, db) =>
          ours(env, db) || ctx(env).path === 'backup'
            ? undefined
            : `${ctx(env).targetId} does not carry ${RUN_TAG}`,
      ),
      holds: restoredHolds,
    },
    'tag-restored': {
      run: async (env, step) => {
        const db = await dbArn(env, ctx(env).targetId);
        const tags = (step.input.Tags ?? []) as { Key: string; Value: string }[];
        const missing = tags.filter((t) => tagOf(db, t.Key) !== t.Value);
        if (missing.length === 0) return { detail: 'tags already there' };
        await rds(env).send(
          (sdk) => new sdk.AddTagsToResourceCommand({ ResourceName: db.DBInstanceArn, Tags: missing }),
        );
        return { detail: `${missing.length} tags added` };
      },
      holds: restoredHolds,
    },
    'protect-restored': {
      run: async (env) => {
        const db = await dbArn(env, ctx(env).targetId);
        if (db.DeletionProtection) return { detail: 'deletion protection already on' };
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBInstanceCommand({
              DBInstanceIdentifier: ctx(env).targetId,
              DeletionProtection: true,
              ApplyImmediately: true,
            }),
        );
        return { detail: 'deletion protection turned on' };
      },
    },
    'verify-restored': {
      run: async (env) => {
        const c = ctx(env);
        const db = await describeInstance(rds(env), c.targetId);
        if (!db) throw new StepFailure(`${c.targetId} is not there`);
        const bad = verifyRestored(db, c.expected);
        if (bad.length) throw new StepFailure(`${c.targetId} is not as expected: ${bad.join('; ')}`);
        return {
          detail: `${c.targetId} verified: ${db.Engine} ${db.EngineVersion}, ${db.AllocatedStorage} GiB ${db.StorageType ?? ''}, ${db.StorageEncrypted ? `encrypted (${db.KmsKeyId})` : 'not encrypted'}`,
          result: idOf(db),
        };
      },
      holds: restoredHolds,
    },
    'rename-original': {
      run: async (env, step) => {
        const c = ctx(env);
        const renamed = await describeInstance(rds(env), c.beforeId);
        if (renamed && (!c.originalResourceId || renamed.DbiResourceId === c.originalResourceId))
          return { detail: `already renamed (found ${c.beforeId})` };
        const original = await describeInstance(rds(env), c.dbId);
        if (!original) throw new StepFailure(`${c.dbId} is not there to rename`);
        if (c.originalResourceId && original.DbiResourceId !== c.originalResourceId)
          throw new StepFailure(
            `${c.dbId} is no longer the database read before the restore (DbiResourceId ${original.DbiResourceId}, was ${c.originalResourceId}): not renamed`,
          );
        if (!available(original))
          throw new StepFailure(
            `${c.dbId} is ${original.DBInstanceStatus}: RDS renames only an available database`,
          );
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBInstanceCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBInstanceCommand>[0],
            ),
        );
        return { detail: `${c.dbId} renamed to ${c.beforeId}` };
      },
      holds: async (env) => {
        const c = ctx(env);
        return (await describeInstance(rds(env), c.beforeId))
          ? undefined
          : `${c.beforeId} (the renamed original) is gone`;
      },
    },
    'wait-original-renamed': {
      run: async (env) => {
        const c = ctx(env);
        await poll(env, `${c.beforeId} to be available and ${c.dbId} free`, async () => {
          const [before, old] = [
            await describeInstance(rds(env), c.beforeId),
            await describeInstance(rds(env), c.dbId),
          ];
          env.progress(
            `${c.beforeId}: ${before?.DBInstanceStatus ?? 'not yet'}; ${c.dbId}: ${old ? 'still taken' : 'free'}`,
          );
          return available(before) && !old ? true : undefined;
        });
        return { detail: `${c.beforeId} is available and ${c.dbId} is free` };
      },
    },
    'rename-restored': {
      run: async (env, step) => {
        const c = ctx(env);
        const atOriginal = await describeInstance(rds(env), c.dbId);
        if (atOriginal) {
          if (ours(env, atOriginal))
            return { detail: `already renamed (found the restored database as ${c.dbId})` };
          throw new StepFailure(`${c.dbId} is taken by a database that is not the restored one: not renamed`);
        }
        const restored = await describeInstance(rds(env), c.targetId);
        if (!restored || !ours(env, restored))
          throw new StepFailure(`the restored ${c.targetId} is not there to rename`);
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBInstanceCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBInstanceCommand>[0],
            ),
        );
        return { detail: `${c.targetId} renamed to ${c.dbId}` };
      },
      holds: async (env) => {
        const db = await describeInstance(rds(env), ctx(env).dbId);
        return db && ours(env, db) ? undefined : `${ctx(env).dbId} is no longer the restored database`;
      },
    },
    'wait-restored-renamed': {
      run: waitAvailable(
        (c) => c.dbId,
        (env, db) => (ours(env, db) ? undefined : `${ctx(env).dbId} is not the restored database`),
      ),
    },
    'verify-replaced': {
      run: async (env) => {
        const c = ctx(env);
        const now = await describeInstance(rds(env), c.dbId);
        const before = await describeInstance(rds(env), c.beforeId);
        const bad: string[] = [];
        if (!now || !ours(env, now)) bad.push(`${c.dbId} is not the restored database`);
        const rid = restoredId(env);
        if (now && rid && now.DbiResourceId !== rid)
          bad.push(`${c.dbId} has DbiResourceId ${now.DbiResourceId}, not ${rid}`);
        if (!before) bad.push(`${c.beforeId} (the original) is not there`);
        else {
          if (c.originalResourceId && before.DbiResourceId !== c.originalResourceId)
            bad.push(`${c.beforeId} is not the original (DbiResourceId ${before.DbiResourceId})`);
          if (
            c.originalDeletionProtection !== undefined &&
            (before.DeletionProtection ?? false) !== c.originalDeletionProtection
          )
            bad.push(`${c.beforeId}'s deletion protection changed`);
        }
        if (bad.length) throw new StepFailure(bad.join('; '));
        return {
          detail: `${c.dbId} is the restored database (${now?.Endpoint?.Address ?? 'endpoint pending'}); the original is kept as ${c.beforeId}`,
        };
      },
    },
  };
}

function s3Handlers(): Record<string, Handler> {
  const ctx = (env: Env) => env.record.context as unknown as S3Context;
  const rds = rdsHandlers();
  return {
    restore: {
      run: startRestoreJob,
    },
    'wait-restore-job': rds['wait-restore-job'] as Handler,
    'verify-bucket': {
      run: async (env) => {
        const bucket = ctx(env).destination;
        try {
          await env.o.aws.s3(env.o.region).send((sdk) => new sdk.HeadBucketCommand({ Bucket: bucket }));
        } catch (e) {
          throw new StepFailure(`${bucket} cannot be read after the restore: ${errorText(e)}`);
        }
        return { detail: `${bucket} exists` };
      },
    },
  };
}

/**
 * Runs (or resumes) the record's steps. Never throws for an AWS failure: the failed step and its
 * error are in the returned record (status failed); a step budget or the timeout leaves it
 * interrupted/failed with the steps done so far, for --resume.
 */
export async function runRestore(record: RestoreRecord, o: RunOptions): Promise<RestoreRecord> {
  const now = o.now ?? (() => new Date());
  const handlers =
    record.kind === 'rds'
      ? record.context.resource === 'cluster'
        ? {
            ...auroraHandlers(),
            'wait-restore-job': { run: (rdsHandlers()['wait-restore-job'] as Handler).run },
          }
        : rdsHandlers()
      : s3Handlers();
  const timeoutMinutes = Number(record.context.timeoutMinutes ?? 60);
  const env: Env = {
    o,
    record,
    progress: o.onProgress ?? (() => {}),
    deadline: Date.now() + timeoutMinutes * 60_000,
  };
  const save = () => {
    record.updatedAt = now().toISOString();
    o.save(record);
  };
  record.applied = true;
  let ran = 0;
  for (const step of record.steps) {
    // per-instance steps (create-instance-2, …) share the handler of their name without the number
    const handler = handlers[step.name] ?? handlers[step.name.replace(/-\d+$/, '')];
    if (!handler) {
      step.status = 'failed';
      step.detail = `unknown step ${step.name} (a record of another version?)`;
      record.status = 'failed';
      save();
      return record;
    }
    if (step.status === 'done') {
      const broken = await handler.holds?.(env, step).catch((e) => `could not be checked: ${errorText(e)}`);
      if (broken) {
        record.status = 'failed';
        step.detail = `${step.detail ?? ''} — on resume it no longer holds: ${broken}`;
        save();
        return record;
      }
      continue;
    }
    if (o.stepBudget !== undefined && ran >= o.stepBudget) {
      record.status = 'interrupted';
      save();
      return record;
    }
    const start = now();
    step.start = start.toISOString();
    delete step.end;
    delete step.durationMs;
    env.progress(`${step.name}: ${step.summary}`);
    try {
      const { detail, result } = await handler.run(env, step);
      step.status = 'done';
      step.detail = detail;
      if (result && Object.keys(result).length) step.result = result;
    } catch (e) {
      step.status = 'failed';
      step.detail = e instanceof StepFailure ? e.message : errorText(e);
    }
    const end = now();
    step.end = end.toISOString();
    step.durationMs = end.getTime() - start.getTime();
    ran++;
    env.progress(`${step.name}: ${step.status} in ${(step.durationMs / 1000).toFixed(1)}s — ${step.detail}`);
    if (step.status === 'failed') {
      record.status = 'failed';
      save();
      return record;
    }
    save();
  }
  record.status = 'done';
  const first = record.steps[0]?.start;
  const last = record.steps.at(-1)?.end;
  if (first && last) record.rtoSeconds = (Date.parse(last) - Date.parse(first)) / 1000;
  save();
  return record;
}
