/**
 * The executor: applies planned actions, one handler per action type (handlers/). Every handler
 * re-reads the current state first and returns what it found (`before`), what it would make
 * (`after`) and the write — or no write when the state already satisfies the action (idempotent).
 * Dry-run is the default and runs the same reads, so it prints the same plan. A per-run cap bounds
 * the changes. An action carries all it writes: the executor reads no policy file.
 *
 * Other runs (the sweep, the event path, a CLI fix) and people in the console may change the same
 * things at the same time: a create someone else just made is already done, and a write that
 * replaces a whole document is checked around the write (see `Guard` in step.ts).
 */
import type { Aws } from '../aws/clients.js';
import { SentinelError } from '../errors.js';
import type { Action } from './actions.js';
import type { BackupRoleSettings } from './backup-roles.js';
import { handlerOf } from './handlers/index.js';
import type { PlannedAction } from './planner.js';
import { MADE_BY_ANOTHER_RUN, type Step } from './step.js';

export interface ExecuteOptions extends BackupRoleSettings {
  apply: boolean;
  /** At most this many writes per run; the rest is reported as over the cap. */
  maxChanges: number;
  /**
   * Change only backup plans tagged managed-by=backup-sentinel: the functions' roles may change
   * no other (resources/README.md), so another plan's fix is refused with the reason, not failed.
   */
  ownedPlansOnly?: boolean;
  onResult?: (result: ActionResult) => void;
}

/**
 * `refused`: the executor would not make the change because it would weaken protection or break
 * the next job (the reason says which); not a failure: nothing went wrong, nothing was written.
 */
export type ResultStatus = 'applied' | 'already-done' | 'would-apply' | 'over-cap' | 'failed' | 'refused';

export interface ActionResult {
  summary: string;
  action: Action;
  status: ResultStatus;
  before?: unknown;
  after?: unknown;
  error?: string;
  /** Why a `refused` action was not applied. */
  reason?: string;
}

/** An edit by someone else, between our read and our write, that the executor would not overwrite. */
class ConcurrentChangeError extends SentinelError {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentChangeError';
  }
}

/** How often a step is computed while its document keeps changing under it. */
const ATTEMPTS = 3;

/**
 * The step for an action. When it is to be written and its document changed since the handler
 * read it, the handler runs again on the fresh state (ATTEMPTS times at most; dry-runs read once).
 */
async function prepare(aws: Aws, action: Action, options: ExecuteOptions): Promise<Step> {
  const handle = handlerOf(action);
  let step = await handle(aws, action, options);
  for (let attempt = 1; options.apply && step.write && (await step.guard?.changed()); attempt++) {
    if (attempt === ATTEMPTS)
      throw new ConcurrentChangeError(
        `changed by someone else on each of ${ATTEMPTS} reads; nothing written, re-run when the edits stop`,
      );
    step = await handle(aws, action, options);
  }
  return step;
}

/** Most actions whose state is re-read at once (each a handful of reads of one resource). */
export const READ_CONCURRENCY = 16;

/**
 * The one resource an action changes, for the action types planned once per bucket or database
 * (thousands in a large account): consecutive actions of one such type on different resources
 * are independent, so their states are re-read in parallel. Other actions build on each other
 * (vault, plan, rule, selection) and are read one at a time.
 */
function resourceOf(a: Action): string | undefined {
  switch (a.type) {
    case 'EnableBucketVersioning':
    case 'AddBucketLifecycleRule':
      return `s3:${a.bucket}`;
    case 'ModifyDBInstance':
    case 'ModifyDBCluster':
      return `rds:${a.region}:${a.identifier}`;
    default:
      return undefined;
  }
}

type Planned = Pick<PlannedAction, 'action' | 'summary'>;

/** How many actions from `from` can be read together: of one type, on different resources, at most `max`. */
function batchLength(actions: Planned[], from: number, max: number): number {
  const first = actions[from]?.action;
  const seen = new Set<string>();
  let n = 0;
  while (n < max && from + n < actions.length) {
    const a = actions[from + n]?.action as Action;
    const resource = resourceOf(a);
    if (n > 0 && (resource === undefined || a.type !== first?.type || seen.has(resource))) break;
    if (resource !== undefined) seen.add(resource);
    n++;
    if (resource === undefined) break;
  }
  return n;
}

/**
 * Applies (or, in a dry run, reports) the actions in order. The cap bounds what a run does:
 * once `maxChanges` actions were applied — or, in a dry run, would be — the rest is over the cap
 * and not even read, in both modes alike, so a dry run prints what the same apply run would do.
 * An action's state is re-read right before it is written (the handler's read), in parallel for
 * independent per-resource actions (READ_CONCURRENCY); writes are made one at a time, in order.
 */
export async function executePlan(
  aws: Aws,
  actions: Planned[],
  options: ExecuteOptions,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  const report = (result: ActionResult) => {
    options.onResult?.(result);
    results.push(result);
  };
  let changes = 0;
  for (let i = 0; i < actions.length; ) {
    if (changes >= options.maxChanges) {
      // Past the cap nothing more is read or written: later actions may build on capped ones.
      for (const { action, summary } of actions.slice(i)) report({ summary, action, status: 'over-cap' });
      break;
    }
    const batch = actions.slice(
      i,
      i + batchLength(actions, i, Math.min(READ_CONCURRENCY, options.maxChanges - changes)),
    );
    i += batch.length;
    const steps = await Promise.all(
      batch.map(({ action }) =>
        prepare(aws, action, options).then(
          (step) => ({ step }),
          (error: Error) => ({ error }),
        ),
      ),
    );
    for (const [k, { action, summary }] of batch.entries()) {
      const prepared = steps[k] as { step: Step } | { error: Error };
      const result: ActionResult & { attempted?: true } =
        'error' in prepared
          ? failed(summary, action, prepared.error)
          : await settle(summary, action, prepared.step, options);
      // A write that failed was still attempted: it counts, as one that succeeded does.
      if (result.status === 'applied' || result.status === 'would-apply' || result.attempted) changes++;
      const { attempted: _, ...reported } = result;
      report(reported);
    }
  }
  return results;
}

const failed = (summary: string, action: Action, err: Error): ActionResult => ({
  summary,
  action,
  status: 'failed',
  error: `${err.name}: ${err.message}`,
});

/** What one prepared action comes to: refused, already done, would apply, or written now. */
async function settle(
  summary: string,
  action: Action,
  step: Step,
  options: ExecuteOptions,
): Promise<ActionResult & { attempted?: true }> {
  if (step.refused !== undefined)
    return { summary, action, status: 'refused', before: step.before, reason: step.refused };
  if (!step.write) return { summary, action, status: 'already-done', before: step.before };
  if (!options.apply)
    return { summary, action, status: 'would-apply', before: step.before, after: step.after };
  try {
    const done = await step.write();
    const lost = (await step.guard?.lost()) ?? [];
    if (lost.length)
      throw new ConcurrentChangeError(
        `changed by someone else during the write: it no longer holds ${lost.join('; ')}; re-run`,
      );
    return done === MADE_BY_ANOTHER_RUN
      ? { summary, action, status: 'already-done', before: { exists: true, by: 'another run' } }
      : { summary, action, status: 'applied', before: step.before, after: step.after };
  } catch (e) {
    return { ...failed(summary, action, e as Error), attempted: true };
  }
}
