import { render } from 'preact-render-to-string';
import type { PageModel } from './model';
import { incidentUrl } from './statuspage-json';
import { fmtDateTime, INCIDENT_STATUS_LABEL } from './views/format';

type FeedModule = typeof import('feed', { with: { 'resolution-mode': 'import' } });

/**
 * `feed` is ESM-only; Node 20.19+ loads it with require(). Loaded on first use so that nothing
 * else in the module depends on it.
 */
function feedModule(): FeedModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('feed') as FeedModule;
}

/** Characters XML 1.0 forbids (a feed containing one is rejected whole by parsers). */
const XML_INVALID = new RegExp(
  // eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
  '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
  'g',
);
export const xmlSafe = (s: string): string => s.replace(XML_INVALID, '');

/** HTML-escaped text (the library puts titles and content in CDATA marked type="html"). */
const html = (s: string): string => render(<>{xmlSafe(s)}</>);

const FEED_ITEMS = 50;

/** Atom and RSS of the incident history: one entry per incident, its public updates as content. */
export function renderFeed(model: PageModel, format: 'atom' | 'rss'): string {
  const { Feed } = feedModule();
  const base = model.site.publicUrl;
  const feed = new Feed({
    id: `${base}/`,
    title: xmlSafe(`${model.site.title} – incident history`),
    description: xmlSafe(`Incidents and public updates from ${model.site.title}`),
    link: `${base}/`,
    language: 'en',
    updated: model.lastUpdated.toJSDate(),
    generator: 'Herald',
    copyright: xmlSafe(model.site.organization),
    feedLinks: { atom: `${base}/history.atom`, rss: `${base}/history.rss` },
  });
  for (const v of model.incidents.slice(0, FEED_ITEMS)) {
    const i = v.incident;
    const content = render(
      <div>
        {v.updates.length === 0 ? <p>{INCIDENT_STATUS_LABEL[i.status]}</p> : null}
        {v.updates.map((u) => (
          <p key={u.id}>
            <small>{fmtDateTime(u.at)}</small>
            <br />
            <strong>{INCIDENT_STATUS_LABEL[u.status]}</strong> – {xmlSafe(u.body)}
          </p>
        ))}
      </div>,
    );
    const latest = v.updates[0];
    feed.addItem({
      title: html(i.title),
      id: incidentUrl(base, i.ref),
      link: incidentUrl(base, i.ref),
      date: i.updatedAt.toJSDate(),
      published: i.startedAt.toJSDate(),
      description: html(
        latest ? `${INCIDENT_STATUS_LABEL[latest.status]} – ${latest.body}` : INCIDENT_STATUS_LABEL[i.status],
      ),
      content,
    });
  }
  return format === 'atom' ? feed.atom1() : feed.rss2();
}
