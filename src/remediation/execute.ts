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

export async function executePlan(
  aws: Aws,
  actions: Pick<PlannedAction, 'action' | 'summary'>[],
  options: ExecuteOptions,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  let writes = 0;
  for (const { action, summary } of actions) {
    let result: ActionResult;
    try {
      // Past the cap nothing more is read or written: later actions may build on capped ones.
      if (options.apply && writes >= options.maxChanges) {
        result = { summary, action, status: 'over-cap' };
        options.onResult?.(result);
        results.push(result);
        continue;
      }
      const step = await prepare(aws, action, options);
      if (step.refused !== undefined)
        result = { summary, action, status: 'refused', before: step.before, reason: step.refused };
      else if (!step.write) result = { summary, action, status: 'already-done', before: step.before };
      else if (!options.apply)
        result = { summary, action, status: 'would-apply', before: step.before, after: step.after };
      else {
        writes++;
        const done = await step.write();
        const lost = (await step.guard?.lost()) ?? [];
        if (lost.length)
          throw new ConcurrentChangeError(
            `changed by someone else during the write: it no longer holds ${lost.join('; ')}; re-run`,
          );
        result =
          done === MADE_BY_ANOTHER_RUN
            ? { summary, action, status: 'already-done', before: { exists: true, by: 'another run' } }
            : { summary, action, status: 'applied', before: step.before, after: step.after };
      }
    } catch (e) {
      const err = e as Error;
      result = { summary, action, status: 'failed', error: `${err.name}: ${err.message}` };
    }
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
