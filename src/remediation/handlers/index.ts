/**
 * The handler of every action type, by family. An action type without one is a compile error here;
 * its order, IAM actions and description are in ../actions-catalogue.ts (the same check there).
 */
import type { Action } from '../actions.js';
import type { Handler, Handlers } from '../step.js';
import { backupPlanHandlers } from './backup-plan.js';
import { rdsHandlers } from './rds.js';
import { regionSettingsHandlers } from './region-settings.js';
import { restoreTestingHandlers } from './restore-testing.js';
import { s3Handlers } from './s3.js';
import { vaultHandlers } from './vault.js';

export const HANDLERS: Handlers = {
  ...regionSettingsHandlers,
  ...vaultHandlers,
  ...backupPlanHandlers,
  ...s3Handlers,
  ...rdsHandlers,
  ...restoreTestingHandlers,
};

/** The handler of an action's type. */
export const handlerOf = <A extends Action>(a: A): Handler<A> => HANDLERS[a.type] as Handler<A>;
