import type { ComponentChildren } from 'preact';
import type { IncidentView, PageModel } from '../model';
import { Footer, Layout } from './parts';
import { IncidentCard, PublicNav } from './public-page';

/** The small public pages: one incident, and the subscription steps (each a single message or form). */

export function IncidentPage(props: { model: PageModel; view: IncidentView; subscriptions: boolean }) {
  const { model, view } = props;
  return (
    <Layout
      title={`${view.incident.title} · ${model.site.title}`}
      heading={model.site.title}
      publicUrl={model.site.publicUrl}
      nav={<PublicNav subscriptions={props.subscriptions} />}
      footer={<Footer lastUpdated={model.lastUpdated} />}
    >
      <p>
        <a href="/">← Current status</a>
      </p>
      <IncidentCard model={model} view={view} />
      {view.updates.length === 0 ? <p class="cdesc">No public updates have been posted yet.</p> : null}
    </Layout>
  );
}

/** A page with one heading, a message and optionally a form; `noindex` (links carry tokens). */
export function MessagePage(props: { site: string; heading: string; children: ComponentChildren }) {
  return (
    <Layout title={`${props.heading} · ${props.site}`} heading={props.site} publicUrl="/" robots="noindex">
      <section aria-labelledby="msg" class="card">
        <h2 id="msg">{props.heading}</h2>
        {props.children}
      </section>
      <p>
        <a href="/">← Current status</a>
      </p>
    </Layout>
  );
}

/** A one-button form that POSTs the token back (GET never changes state: mail scanners follow links). */
export function TokenForm(props: { action: string; token: string; label: string; danger?: boolean }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="token" value={props.token} />
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}
