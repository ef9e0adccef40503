import type { ComponentChildren } from 'preact';
import type { DateTime } from 'luxon';
import { CSS } from './styles';
import { fmtDateTime, INCIDENT_STATUS_LABEL, isoAttr } from './format';
import type { PublicUpdate } from '../timeline';

/**
 * Shared pieces of the pages. Every string a person typed reaches the HTML only as a text child or
 * attribute value of preact elements, so it is escaped by construction; the only markup built
 * from user text is links, and only for http(s) URLs.
 */

export function Layout(props: {
  title: string;
  heading: string;
  publicUrl: string;
  children: ComponentChildren;
  nav?: ComponentChildren;
  footer?: ComponentChildren;
  robots?: string;
}) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.robots ? <meta name="robots" content={props.robots} /> : null}
        <title>{props.title}</title>
        <link
          rel="alternate"
          type="application/atom+xml"
          title="Incident history (Atom)"
          href="/history.atom"
        />
        <link rel="alternate" type="application/rss+xml" title="Incident history (RSS)" href="/history.rss" />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="wrap">
            <h1>
              <a href="/">{props.heading}</a>
            </h1>
            {props.nav}
          </div>
        </header>
        <main id="main" class="wrap">
          {props.children}
        </main>
        {props.footer}
      </body>
    </html>
  );
}

export const Time = (props: { at: DateTime }) => (
  <time dateTime={isoAttr(props.at)}>{fmtDateTime(props.at)}</time>
);

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}]+$/;

/** Text with http(s) URLs turned into links; nothing else becomes markup. */
export function Linkified(props: { text: string }) {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const m of props.text.matchAll(URL_RE)) {
    const start = m.index ?? 0;
    let url = m[0];
    const trail = TRAILING.exec(url)?.[0] ?? '';
    url = url.slice(0, url.length - trail.length);
    if (!isHttpUrl(url)) continue;
    parts.push(props.text.slice(last, start));
    parts.push(
      <a href={url} rel="nofollow noopener noreferrer">
        {url}
      </a>,
    );
    last = start + url.length;
  }
  parts.push(props.text.slice(last));
  return <>{parts}</>;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function UpdateList(props: { updates: readonly PublicUpdate[] }) {
  if (props.updates.length === 0) return null;
  return (
    <ol class="updates" reversed>
      {props.updates.map((u) => (
        <li key={u.id}>
          <p>
            <strong>{INCIDENT_STATUS_LABEL[u.status]}</strong> – <Linkified text={u.body} />
          </p>
          <span class="when">
            <Time at={u.at} />
          </span>
        </li>
      ))}
    </ol>
  );
}

export function Footer(props: { lastUpdated: DateTime; children?: ComponentChildren }) {
  return (
    <footer>
      <div class="wrap">
        <p>
          Last updated <Time at={props.lastUpdated} />.
        </p>
        <p>
          Incident history: <a href="/history.atom">Atom feed</a> · <a href="/history.rss">RSS feed</a> ·{' '}
          <a href="/api/v2/summary.json">JSON API</a>
        </p>
        {props.children}
      </div>
    </footer>
  );
}
