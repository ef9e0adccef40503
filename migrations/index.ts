import type { Migration } from 'kysely';
import * as m0001 from './20261126T0001_incidents';

/**
 * Every migration, in order. Listed statically (not discovered on disk) so that the compiled app,
 * ts sources under Jest and `herald migrate` all see exactly the same set.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '20261126T0001_incidents': m0001,
};
