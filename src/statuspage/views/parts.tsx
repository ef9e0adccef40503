import type { ComponentChildren } from 'preact';
import type { DateTime } from 'luxon';
import { CSS } from './styles';
import { fmtDateTime, INCIDENT_STATUS_LABEL, isoAttr } from './format';
import type { PublicUpdate } from '../timeline';
import { findLinks } from './links';

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

/** Text with http(s) URLs turned into links (see findLinks); nothing else becomes markup. */
export function Linkified(props: { text: string }) {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const link of findLinks(props.text)) {
    parts.push(props.text.slice(last, link.start));
    parts.push(
      <a href={link.url} rel="nofollow noopener noreferrer">
        {link.url}
      </a>,
    );
    last = link.end;
  }
  parts.push(props.text.slice(last));
  return <>{parts}</>;
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
