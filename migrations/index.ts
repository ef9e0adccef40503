import type { Migration } from 'kysely/migration';
import * as m0001 from './20261126T0001_incidents';
import * as m0100 from './20261126T0100_notifications';
import * as m0200 from './20261126T0200_slack';
import * as m0300 from './20261126T0300_statuspage';
import * as m0400 from './20261126T0400_ingest';
import * as m0500 from './20261126T0500_escalation';
import * as m20261127T0100 from './20261127T0100_slack_wait';
import * as m20261128T0100 from './20261128T0100_delivery_priority';
import * as m20261128T0200 from './20261128T0200_subscribe_limits';
import * as m20261128T0400 from './20261128T0400_incident_publication';

/**
 * Every migration, in order. Listed statically (not discovered on disk) so that the compiled app,
 * ts sources under Jest and `herald migrate` all see exactly the same set.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '20261126T0001_incidents': m0001,
  '20261126T0100_notifications': m0100,
  '20261126T0200_slack': m0200,
  '20261126T0300_statuspage': m0300,
  '20261126T0400_ingest': m0400,
  '20261126T0500_escalation': m0500,
  '20261127T0100_slack_wait': m20261127T0100,
  '20261128T0100_delivery_priority': m20261128T0100,
  '20261128T0200_subscribe_limits': m20261128T0200,
  '20261128T0400_incident_publication': m20261128T0400,
};
