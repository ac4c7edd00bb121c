/**
 * The step handlers of an Aurora restore (plan-aurora.ts). As for a DB instance, every write
 * re-reads first: a cluster or instance already there with this run's tag is taken as done, one
 * without it is a conflict and stops; a rename already made (found by DbClusterResourceId /
 * DbiResourceId, or by the run tag) is not made again. Per-instance steps carry their instance's
 * identifiers in their input, so each is resumable on its own.
 */
import type {
  CreateDBInstanceCommand,
  DBCluster,
  DBInstance,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { describeCluster, describeInstance } from './describe.js';
import type { AuroraContext, AuroraExpected, AuroraMember } from './plan-aurora.js';
import { RUN_TAG } from './plan-rds.js';
import { type Env, type Handler, poll, StepFailure, startRestoreJob } from './steps.js';

const tagOf = (x: { TagList?: { Key?: string; Value?: string }[] } | undefined, key: string) =>
  x?.TagList?.find((t) => t.Key === key)?.Value;
const clusterIdOf = (c: DBCluster | undefined): Record<string, string> =>
  c?.DbClusterResourceId ? { DbClusterResourceId: c.DbClusterResourceId } : {};
const clusterUp = (c: DBCluster | undefined) => c?.Status === 'available';
const instanceUp = (d: DBInstance | undefined) => d?.DBInstanceStatus === 'available';

/** What differs between the restored cluster (and its instances) and what was expected. */
export function verifyCluster(
  c: DBCluster,
  instances: Map<string, DBInstance | undefined>,
  members: AuroraMember[],
  x: AuroraExpected,
  name: (m: AuroraMember) => string = (m) => m.restoredId,
): string[] {
  const bad: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (expected !== undefined && actual !== expected)
      bad.push(`${what} is ${JSON.stringify(actual ?? null)}, expected ${JSON.stringify(expected)}`);
  };
  check('status', c.Status, 'available');
  check('engine', c.Engine, x.engine);
  check('engine version', c.EngineVersion, x.engineVersion);
  check('storage encryption', c.StorageEncrypted ?? false, x.storageEncrypted);
  if (x.storageEncrypted) check('KMS key', c.KmsKeyId, x.kmsKeyId);
  check('subnet group', c.DBSubnetGroup, x.subnetGroup);
  if (x.securityGroups) {
    const got = (c.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).sort();
    if (JSON.stringify(got) !== JSON.stringify([...x.securityGroups].sort()))
      bad.push(`security groups are ${JSON.stringify(got)}, expected ${JSON.stringify(x.securityGroups)}`);
  }
  check('cluster parameter group', c.DBClusterParameterGroup, x.clusterParameterGroup);
  check('port', c.Port, x.port);
  check('IAM authentication', c.IAMDatabaseAuthenticationEnabled ?? false, x.iamAuth);
  check('deletion protection', c.DeletionProtection ?? false, x.deletionProtection);
  if (x.serverlessV2) {
    check(
      'Serverless v2 minimum capacity',
      c.ServerlessV2ScalingConfiguration?.MinCapacity,
      x.serverlessV2.MinCapacity,
    );
    check(
      'Serverless v2 maximum capacity',
      c.ServerlessV2ScalingConfiguration?.MaxCapacity,
      x.serverlessV2.MaxCapacity,
    );
  }
  const listed = (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? '');
  if (listed.length !== x.members)
    bad.push(
      `the cluster has ${listed.length} instance${listed.length === 1 ? '' : 's'}, expected ${x.members}`,
    );
  for (const m of members) {
    const id = name(m);
    const d = instances.get(id);
    if (!listed.includes(id)) bad.push(`${id} is not a member of the cluster`);
    if (!d) {
      bad.push(`${id} is not there`);
      continue;
    }
    if (!instanceUp(d))
      bad.push(`${id} is ${d.DBInstanceStatus ?? 'in an unknown state'}, expected available`);
    if (d.DBInstanceClass !== m.instanceClass)
      bad.push(`${id}'s class is ${d.DBInstanceClass}, expected ${m.instanceClass}`);
    if (m.parameterGroup && d.DBParameterGroups?.[0]?.DBParameterGroupName !== m.parameterGroup)
      bad.push(
        `${id}'s parameter group is ${d.DBParameterGroups?.[0]?.DBParameterGroupName ?? 'none'}, expected ${m.parameterGroup}`,
      );
    if (m.promotionTier !== undefined && d.PromotionTier !== undefined && d.PromotionTier !== m.promotionTier)
      bad.push(`${id}'s promotion tier is ${d.PromotionTier}, expected ${m.promotionTier}`);
    if (x.storageEncrypted !== undefined && (d.StorageEncrypted ?? false) !== x.storageEncrypted)
      bad.push(
        `${id}'s storage encryption is ${d.StorageEncrypted ?? false}, expected ${x.storageEncrypted}`,
      );
  }
  const writer = members.find((m) => m.writer);
  const isWriter = (c.DBClusterMembers ?? []).find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
  if (writer && isWriter && isWriter !== name(writer))
    bad.push(`the writer is ${isWriter}, expected ${name(writer)}`);
  return bad;
}

export function auroraHandlers(): Record<string, Handler> {
  const rds = (env: Env) => env.o.aws.rds(env.o.region);
  const ctx = (env: Env) => env.record.context as unknown as AuroraContext;
  const ours = (env: Env, x: { TagList?: { Key?: string; Value?: string }[] } | undefined) =>
    tagOf(x, RUN_TAG) === env.record.runId;
  const restoredResourceId = (env: Env) =>
    env.record.steps.find((s) => s.name === 'verify-restored' || s.name === 'wait-cluster')?.result
      ?.DbClusterResourceId;
  const input = (step: { input: Record<string, unknown> }, k: string) => String(step.input[k] ?? '');
  const member = (env: Env, originalId: string) => ctx(env).members.find((m) => m.originalId === originalId);

  const findRestored = async (env: Env) => {
    const c = ctx(env);
    for (const id of [c.targetId, c.clusterId]) {
      const got = await describeCluster(rds(env), id);
      if (got && ours(env, got)) return got;
    }
    return undefined;
  };
  const restoredHolds = async (env: Env) =>
    (await findRestored(env))
      ? undefined
      : `the restored cluster (tag ${RUN_TAG}=${env.record.runId}) is gone`;

  const waitCluster =
    (
      id: (c: AuroraContext, step: { input: Record<string, unknown> }) => string,
      mustBeOurs: (env: Env) => boolean,
    ) =>
    async (env: Env, step: { input: Record<string, unknown> }) => {
      const target = id(ctx(env), step);
      const free = step.input.free ? String(step.input.free) : undefined;
      const got = await poll(env, `${target} to be available${free ? ` and ${free} free` : ''}`, async () => {
        const cl = await describeCluster(rds(env), target);
        const taken = free ? await describeCluster(rds(env), free) : undefined;
        env.progress(
          `${target}: ${cl?.Status ?? 'not there yet'}${free ? `; ${free}: ${taken ? 'still taken' : 'free'}` : ''}`,
        );
        return clusterUp(cl) && !taken ? cl : undefined;
      });
      if (mustBeOurs(env) && !ours(env, got))
        throw new StepFailure(`${target} does not carry ${RUN_TAG}=${env.record.runId}`);
      return {
        detail: `${target} is available${free ? ` and ${free} is free` : ''}`,
        result: clusterIdOf(got),
      };
    };

  const waitInstance =
    (mustBeOurs: boolean) => async (env: Env, step: { input: Record<string, unknown> }) => {
      const target = input(step, 'DBInstanceIdentifier');
      const free = step.input.free ? String(step.input.free) : undefined;
      const got = await poll(env, `${target} to be available${free ? ` and ${free} free` : ''}`, async () => {
        const d = await describeInstance(rds(env), target);
        const taken = free ? await describeInstance(rds(env), free) : undefined;
        env.progress(
          `${target}: ${d?.DBInstanceStatus ?? 'not there yet'}${free ? `; ${free}: ${taken ? 'still taken' : 'free'}` : ''}`,
        );
        return instanceUp(d) && !taken ? d : undefined;
      });
      if (mustBeOurs && !ours(env, got)) throw new StepFailure(`${target} is not the restored instance`);
      return { detail: `${target} is available${free ? ` and ${free} is free` : ''}` };
    };

  return {
    restore: {
      run: async (env, step) => {
        const c = ctx(env);
        const existing = await describeCluster(rds(env), c.targetId);
        if (existing) {
          if (ours(env, existing)) return { detail: `already restored by this run (found ${c.targetId})` };
          throw new StepFailure(
            `a DB cluster named ${c.targetId} already exists and was not made by this restore (no tag ${RUN_TAG}=${env.record.runId}): pass another --target-id`,
          );
        }
        const i = step.input as Record<string, unknown>;
        if (step.call === 'backup:StartRestoreJob') return startRestoreJob(env, step);
        if (step.call === 'rds:RestoreDBClusterToPointInTime') {
          const { RestoreToTime, ...rest } = i;
          await rds(env).send(
            (sdk) =>
              new sdk.RestoreDBClusterToPointInTimeCommand({
                ...(rest as object),
                RestoreToTime: new Date(String(RestoreToTime)),
              } as ConstructorParameters<typeof RestoreDBClusterToPointInTimeCommand>[0]),
          );
          return { detail: `restore of ${c.clusterId} to ${String(RestoreToTime)} started as ${c.targetId}` };
        }
        await rds(env).send(
          (sdk) =>
            new sdk.RestoreDBClusterFromSnapshotCommand(
              i as unknown as ConstructorParameters<typeof RestoreDBClusterFromSnapshotCommand>[0],
            ),
        );
        return { detail: `restore started as ${c.targetId}` };
      },
      holds: restoredHolds,
    },
    'wait-cluster': {
      run: waitCluster(
        (c) => c.targetId,
        (env) => ctx(env).path !== 'backup',
      ),
      holds: restoredHolds,
    },
    'tag-cluster': {
      run: async (env, step) => {
        const cl = await describeCluster(rds(env), ctx(env).targetId);
        if (!cl?.DBClusterArn) throw new StepFailure(`${ctx(env).targetId} is not there to tag`);
        const tags = (step.input.Tags ?? []) as { Key: string; Value: string }[];
        const missing = tags.filter((t) => tagOf(cl, t.Key) !== t.Value);
        if (missing.length === 0) return { detail: 'tags already there' };
        await rds(env).send(
          (sdk) => new sdk.AddTagsToResourceCommand({ ResourceName: cl.DBClusterArn, Tags: missing }),
        );
        return { detail: `${missing.length} tags added` };
      },
      holds: restoredHolds,
    },
    'configure-cluster': {
      run: async (env, step) => {
        const c = ctx(env);
        const cl = await describeCluster(rds(env), c.targetId);
        if (!cl || !ours(env, cl))
          throw new StepFailure(`the restored ${c.targetId} is not there to configure`);
        const sv2 = c.expected.serverlessV2;
        const done =
          (!step.input.DeletionProtection || cl.DeletionProtection) &&
          (!sv2 ||
            (cl.ServerlessV2ScalingConfiguration?.MinCapacity === sv2.MinCapacity &&
              cl.ServerlessV2ScalingConfiguration?.MaxCapacity === sv2.MaxCapacity));
        if (done) return { detail: 'already configured' };
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBClusterCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBClusterCommand>[0],
            ),
        );
        return { detail: `${c.targetId} configured` };
      },
    },
    'create-instance': {
      run: async (env, step) => {
        const c = ctx(env);
        const id = input(step, 'DBInstanceIdentifier');
        const existing = await describeInstance(rds(env), id);
        if (existing) {
          if (ours(env, existing)) return { detail: `already created by this run (found ${id})` };
          throw new StepFailure(
            `a DB instance named ${id} already exists and was not made by this restore: not created`,
          );
        }
        const cl = await describeCluster(rds(env), c.targetId);
        if (!cl || !ours(env, cl))
          throw new StepFailure(`the restored cluster ${c.targetId} is not there to add ${id} to`);
        if (!clusterUp(cl))
          throw new StepFailure(
            `${c.targetId} is ${cl.Status}: RDS adds instances only to an available cluster`,
          );
        await rds(env).send(
          (sdk) =>
            new sdk.CreateDBInstanceCommand(
              step.input as unknown as ConstructorParameters<typeof CreateDBInstanceCommand>[0],
            ),
        );
        return { detail: `${id} is being created in ${c.targetId}` };
      },
      holds: async (env, step) => {
        const id = input(step, 'DBInstanceIdentifier');
        const renamedTo = ctx(env).members.find((m) => m.restoredId === id)?.originalId;
        for (const name of [id, ...(renamedTo ? [renamedTo] : [])])
          if (ours(env, await describeInstance(rds(env), name))) return undefined;
        return `the restored instance ${id} is gone`;
      },
    },
    'wait-instances': {
      run: async (env, step) => {
        const ids = (step.input.DBInstanceIdentifiers ?? []) as string[];
        await poll(env, `${ids.join(', ')} to be available`, async () => {
          const states = await Promise.all(ids.map((id) => describeInstance(rds(env), id)));
          env.progress(
            ids.map((id, i) => `${id}: ${states[i]?.DBInstanceStatus ?? 'not there yet'}`).join('; '),
          );
          return states.every(instanceUp) ? true : undefined;
        });
        return { detail: `${ids.join(', ')} ${ids.length === 1 ? 'is' : 'are'} available` };
      },
    },
    'verify-restored': {
      run: async (env) => {
        const c = ctx(env);
        const cl = await describeCluster(rds(env), c.targetId);
        if (!cl) throw new StepFailure(`${c.targetId} is not there`);
        const instances = new Map<string, DBInstance | undefined>();
        for (const m of c.members)
          instances.set(m.restoredId, await describeInstance(rds(env), m.restoredId));
        const bad = verifyCluster(cl, instances, c.members, c.expected);
        if (bad.length) throw new StepFailure(`${c.targetId} is not as expected: ${bad.join('; ')}`);
        return {
          detail: `${c.targetId} verified: ${cl.Engine} ${cl.EngineVersion}, ${cl.StorageEncrypted ? `encrypted (${cl.KmsKeyId})` : 'not encrypted'}, ${c.members.length} instance${c.members.length === 1 ? '' : 's'} (writer ${c.members.find((m) => m.writer)?.restoredId})`,
          result: clusterIdOf(cl),
        };
      },
      holds: restoredHolds,
    },
    'rename-original-cluster': {
      run: async (env, step) => {
        const c = ctx(env);
        const renamed = await describeCluster(rds(env), c.beforeId);
        if (renamed && (!c.originalResourceId || renamed.DbClusterResourceId === c.originalResourceId))
          return { detail: `already renamed (found ${c.beforeId})` };
        const original = await describeCluster(rds(env), c.clusterId);
        if (!original) throw new StepFailure(`${c.clusterId} is not there to rename`);
        if (c.originalResourceId && original.DbClusterResourceId !== c.originalResourceId)
          throw new StepFailure(
            `${c.clusterId} is no longer the cluster read before the restore (DbClusterResourceId ${original.DbClusterResourceId}, was ${c.originalResourceId}): not renamed`,
          );
        if (!clusterUp(original))
          throw new StepFailure(
            `${c.clusterId} is ${original.Status}: RDS renames only an available cluster`,
          );
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBClusterCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBClusterCommand>[0],
            ),
        );
        return { detail: `${c.clusterId} renamed to ${c.beforeId}` };
      },
      holds: async (env) =>
        (await describeCluster(rds(env), ctx(env).beforeId))
          ? undefined
          : `${ctx(env).beforeId} (the renamed original) is gone`,
    },
    'wait-original-cluster-renamed': {
      run: waitCluster(
        (c) => c.beforeId,
        () => false,
      ),
    },
    'rename-restored-cluster': {
      run: async (env, step) => {
        const c = ctx(env);
        const at = await describeCluster(rds(env), c.clusterId);
        if (at) {
          if (ours(env, at))
            return { detail: `already renamed (found the restored cluster as ${c.clusterId})` };
          throw new StepFailure(
            `${c.clusterId} is taken by a cluster that is not the restored one: not renamed`,
          );
        }
        const restored = await describeCluster(rds(env), c.targetId);
        if (!restored || !ours(env, restored))
          throw new StepFailure(`the restored ${c.targetId} is not there to rename`);
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBClusterCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBClusterCommand>[0],
            ),
        );
        return { detail: `${c.targetId} renamed to ${c.clusterId}` };
      },
      holds: async (env) =>
        ours(env, await describeCluster(rds(env), ctx(env).clusterId))
          ? undefined
          : `${ctx(env).clusterId} is no longer the restored cluster`,
    },
    'wait-restored-cluster-renamed': {
      run: waitCluster(
        (c) => c.clusterId,
        () => true,
      ),
    },
    'rename-original-instance': {
      run: async (env, step) => {
        const from = input(step, 'DBInstanceIdentifier');
        const to = input(step, 'NewDBInstanceIdentifier');
        const m = member(env, from);
        const renamed = await describeInstance(rds(env), to);
        if (renamed && (!m?.originalResourceId || renamed.DbiResourceId === m.originalResourceId))
          return { detail: `already renamed (found ${to})` };
        const original = await describeInstance(rds(env), from);
        if (!original) throw new StepFailure(`${from} is not there to rename`);
        if (m?.originalResourceId && original.DbiResourceId !== m.originalResourceId)
          throw new StepFailure(
            `${from} is no longer the instance read before the restore (DbiResourceId ${original.DbiResourceId}, was ${m.originalResourceId}): not renamed`,
          );
        if (!instanceUp(original))
          throw new StepFailure(
            `${from} is ${original.DBInstanceStatus}: RDS renames only an available instance`,
          );
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBInstanceCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBInstanceCommand>[0],
            ),
        );
        return { detail: `${from} renamed to ${to}` };
      },
      holds: async (env, step) => {
        const to = input(step, 'NewDBInstanceIdentifier');
        return (await describeInstance(rds(env), to))
          ? undefined
          : `${to} (a renamed original instance) is gone`;
      },
    },
    'wait-original-instance-renamed': { run: waitInstance(false) },
    'rename-restored-instance': {
      run: async (env, step) => {
        const from = input(step, 'DBInstanceIdentifier');
        const to = input(step, 'NewDBInstanceIdentifier');
        const at = await describeInstance(rds(env), to);
        if (at) {
          if (ours(env, at)) return { detail: `already renamed (found the restored instance as ${to})` };
          throw new StepFailure(`${to} is taken by an instance that is not the restored one: not renamed`);
        }
        const restored = await describeInstance(rds(env), from);
        if (!restored || !ours(env, restored))
          throw new StepFailure(`the restored ${from} is not there to rename`);
        await rds(env).send(
          (sdk) =>
            new sdk.ModifyDBInstanceCommand(
              step.input as unknown as ConstructorParameters<typeof ModifyDBInstanceCommand>[0],
            ),
        );
        return { detail: `${from} renamed to ${to}` };
      },
      holds: async (env, step) => {
        const to = input(step, 'NewDBInstanceIdentifier');
        return ours(env, await describeInstance(rds(env), to))
          ? undefined
          : `${to} is no longer the restored instance`;
      },
    },
    'wait-restored-instance-renamed': { run: waitInstance(true) },
    'verify-replaced': {
      run: async (env) => {
        const c = ctx(env);
        const now = await describeCluster(rds(env), c.clusterId);
        const before = await describeCluster(rds(env), c.beforeId);
        const bad: string[] = [];
        if (!now || !ours(env, now)) bad.push(`${c.clusterId} is not the restored cluster`);
        const rid = restoredResourceId(env);
        if (now && rid && now.DbClusterResourceId !== rid)
          bad.push(`${c.clusterId} has DbClusterResourceId ${now.DbClusterResourceId}, not ${rid}`);
        if (!before) bad.push(`${c.beforeId} (the original) is not there`);
        else {
          if (c.originalResourceId && before.DbClusterResourceId !== c.originalResourceId)
            bad.push(`${c.beforeId} is not the original (DbClusterResourceId ${before.DbClusterResourceId})`);
          if (
            c.originalDeletionProtection !== undefined &&
            (before.DeletionProtection ?? false) !== c.originalDeletionProtection
          )
            bad.push(`${c.beforeId}'s deletion protection changed`);
        }
        const listed = (now?.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier);
        const kept = (before?.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier);
        for (const m of c.members) {
          const id = m.originalId ?? m.restoredId;
          const d = await describeInstance(rds(env), id);
          if (!d || !ours(env, d)) bad.push(`${id} is not the restored instance`);
          else if (d.DBClusterIdentifier !== c.clusterId)
            bad.push(`${id} is in cluster ${d.DBClusterIdentifier}, not ${c.clusterId}`);
          if (now && !listed.includes(id)) bad.push(`${id} is not a member of ${c.clusterId}`);
          if (m.beforeId) {
            const o = await describeInstance(rds(env), m.beforeId);
            if (!o) bad.push(`${m.beforeId} (the original ${m.originalId}) is not there`);
            else {
              if (m.originalResourceId && o.DbiResourceId !== m.originalResourceId)
                bad.push(
                  `${m.beforeId} is not the original ${m.originalId} (DbiResourceId ${o.DbiResourceId})`,
                );
              if (before && !kept.includes(m.beforeId))
                bad.push(`${m.beforeId} is not a member of ${c.beforeId}`);
            }
          }
        }
        if (bad.length) throw new StepFailure(bad.join('; '));
        return {
          detail: `${c.clusterId} is the restored cluster (${now?.Endpoint ?? 'endpoint pending'}) with ${c.members.map((m) => m.originalId).join(', ')}; the original is kept as ${c.beforeId} with ${c.members.map((m) => m.beforeId).join(', ')}`,
        };
      },
    },
  };
}
