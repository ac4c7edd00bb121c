/** Region settings: the resource-type opt-in that tag-based selections need. */
import type { ActionOf } from '../actions.js';
import type { Handler, Handlers } from '../step.js';

const optIn: Handler<ActionOf<'EnableResourceTypeOptIn'>> = async (aws, { region, resourceType: type }) => {
  const b = aws.backup(region);
  const got = await b.send((sdk) => new sdk.DescribeRegionSettingsCommand({}));
  const before = { [type]: got.ResourceTypeOptInPreference?.[type] ?? false };
  if (before[type]) return { before, after: before };
  return {
    before,
    after: { [type]: true },
    write: () =>
      b.send((sdk) => new sdk.UpdateRegionSettingsCommand({ ResourceTypeOptInPreference: { [type]: true } })),
  };
};

export const regionSettingsHandlers = { EnableResourceTypeOptIn: optIn } satisfies Partial<Handlers>;
