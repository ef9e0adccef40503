import { isPublic, type Incident } from '../incidents/incident';
import type { Snapshot } from './snapshot';

/**
 * The public face of an incident: its public title in place of the internal one, and nothing
 * internal at all (description, impact notes, root cause, responders emptied), so a view that
 * reads the wrong field still shows nothing an alert or a responder wrote for insiders.
 */
export function publicIncident(i: Incident): Incident {
  return {
    ...i,
    title: i.publicTitle,
    description: '',
    impact: '',
    rootCause: null,
    resolutionSteps: null,
    commander: null,
    acknowledgedBy: null,
    createdBy: '',
    publishedBy: null,
  };
}

const cache = new WeakMap<Snapshot, Snapshot>();

/**
 * What every public surface (the page, `/incidents/{ref}`, `/api/v2/*`, the feeds) is rendered
 * from: the snapshot with only published, non-private incidents (see {@link isPublic}), under
 * their public titles, with their events and component overrides. An unpublished or private
 * incident leaves no trace there: no entry, no component status, no uptime dip. `/internal`
 * renders the whole snapshot. Memoised per snapshot (snapshots are immutable).
 */
export function publicSnapshot(snapshot: Snapshot): Snapshot {
  const known = cache.get(snapshot);
  if (known) return known;
  const incidents = snapshot.incidents.filter(isPublic).map(publicIncident);
  const ids = new Set(incidents.map((i) => i.id));
  const keep = <T>(m: ReadonlyMap<number, T>): ReadonlyMap<number, T> =>
    new Map([...m].filter(([id]) => ids.has(id)));
  const view: Snapshot = {
    ...snapshot,
    incidents,
    events: keep(snapshot.events),
    overrides: keep(snapshot.overrides),
  };
  cache.set(snapshot, view);
  return view;
}
