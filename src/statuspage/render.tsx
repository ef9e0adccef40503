import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { DateTime } from 'luxon';
import type { RenderResult, Renderer } from './cache';
import { renderFeed } from './feeds';
import { buildModel, type PageModel, type Site } from './model';
import type { DeliveryHealth } from './ports';
import { publicSnapshot } from './public';
import type { Snapshot } from './snapshot';
import { STATUSPAGE_DOCUMENTS } from './statuspage-json';
import { dailyStats } from './timeline';
import { InternalPage } from './views/internal-page';
import { PublicPage } from './views/public-page';
import { IncidentPage, MessagePage } from './views/simple-pages';

/** Renderers for every cached response, as pure functions of (snapshot, now) plus ports. */

export const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
/** The internal page also shows delivery health, which changes without an incident change. */
export const INTERNAL_REFRESH_AFTER_SECONDS = 15;

export const html = (vnode: VNode): string => `<!doctype html>${render(vnode)}`;

/**
 * One model per snapshot while its time-derived parts hold (`validUntil`): the page, its JSON and
 * feeds are rendered from the same model after a change, instead of rebuilding it per response.
 */
function memoModel(site: Site): (snapshot: Snapshot, now: DateTime) => PageModel {
  let last: { snapshot: Snapshot; model: PageModel } | null = null;
  return (snapshot, now) => {
    const m = last?.snapshot === snapshot ? last.model : null;
    if (m && now >= m.now && now < m.validUntil && now < m.refreshAfter) return m;
    const model = buildModel(snapshot, site, now);
    last = { snapshot, model };
    return model;
  };
}

export interface Renderers {
  /** Builds (and memoises) the page model: the cache runs it once per refresh, in its own turn. */
  prepare(snapshot: Snapshot, now: DateTime): void;
  publicPage: Renderer;
  internalPage: Renderer;
  incidentPage(ref: string): Renderer;
  document(name: string): Renderer | undefined;
  feed(format: 'atom' | 'rss'): Renderer;
}

export function renderers(opts: {
  site: Site;
  subscriptions: boolean;
  deliveryHealth?: DeliveryHealth;
}): Renderers {
  // Two models: every public response is rendered from the public snapshot (published, not
  // private, public titles); only /internal sees every incident.
  const publicModel = memoModel(opts.site);
  const model = (snapshot: Snapshot, now: DateTime) => publicModel(publicSnapshot(snapshot), now);
  const internalModel = memoModel(opts.site);
  const ok = (m: PageModel, body: string, contentType: string): RenderResult => ({
    body,
    contentType,
    validUntil: m.validUntil,
    refreshAfter: m.refreshAfter,
  });
  const documents = new Map(
    Object.entries(STATUSPAGE_DOCUMENTS).map(([name, build]): [string, Renderer] => [
      name,
      (snapshot, now) => {
        const m = model(snapshot, now);
        return ok(m, JSON.stringify(build(m)), JSON_TYPE);
      },
    ]),
  );
  return {
    prepare: (snapshot, now) => {
      model(snapshot, now);
    },
    publicPage: (snapshot, now) => {
      const m = model(snapshot, now);
      return ok(m, html(<PublicPage model={m} subscriptions={opts.subscriptions} />), HTML);
    },
    internalPage: async (snapshot, now) => {
      const m = internalModel(snapshot, now);
      const since = now.minus({ hours: 24 });
      const rows = opts.deliveryHealth ? await opts.deliveryHealth(since) : null;
      return {
        body: html(
          <InternalPage model={m} stats={dailyStats(snapshot.incidents, now)} health={{ rows, since }} />,
        ),
        contentType: HTML,
        validUntil: m.validUntil,
        refreshAfter: now.plus({ seconds: INTERNAL_REFRESH_AFTER_SECONDS }),
      };
    },
    incidentPage: (ref) => (snapshot, now) => {
      const m = model(snapshot, now);
      const view = m.incidents.find((v) => v.incident.ref === ref);
      if (!view) {
        const page = (
          <MessagePage site={m.site.title} heading="Incident not found">
            <p>There is no such incident in the last 90 days.</p>
          </MessagePage>
        );
        return { ...ok(m, html(page), HTML), status: 404 };
      }
      return ok(m, html(<IncidentPage model={m} view={view} subscriptions={opts.subscriptions} />), HTML);
    },
    document: (name) => documents.get(name),
    feed: (format) => (snapshot, now) => {
      const m = model(snapshot, now);
      return ok(
        m,
        renderFeed(m, format),
        format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8',
      );
    },
  };
}
