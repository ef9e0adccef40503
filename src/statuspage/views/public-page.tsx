import type { ComponentChildren } from 'preact';
import type { GroupView, IncidentView, MaintenanceView, PageModel } from '../model';
import { COMPONENT_STATUS_LABEL, type Indicator } from '../status';
import { fmtDate, INCIDENT_STATUS_LABEL } from './format';
import { Footer, Layout, Linkified, Time, UpdateList } from './parts';
import { UptimeBars } from './uptime';

/** `GET /`: what customers see. Public messages only; internal notes never reach this file. */

const BANNER_ICON: Readonly<Record<Indicator, string>> = {
  none: '✓',
  minor: '!',
  major: '!',
  critical: '✕',
  maintenance: '⚙',
};

const IMPACT_LABEL = { none: 'No impact', minor: 'Minor', major: 'Major', critical: 'Critical' } as const;

export function Banner(props: { model: PageModel }) {
  const s = props.model.status;
  return (
    <section aria-labelledby="overall" class={`banner b-${s.indicator}`}>
      <span class="icon" aria-hidden="true">
        {BANNER_ICON[s.indicator]}
      </span>
      <h2 id="overall">{s.description}</h2>
    </section>
  );
}

export function IncidentCard(props: { model: PageModel; view: IncidentView; children?: ComponentChildren }) {
  const { incident, impact } = props.view;
  const names = props.model.components
    .filter((c) => props.view.components.includes(c.def.id))
    .map((c) => c.def.name);
  return (
    <article
      class={`card incident edge-${impact}`}
      id={incident.ref.toLowerCase()}
      aria-labelledby={`t-${incident.ref}`}
    >
      <h3 id={`t-${incident.ref}`}>
        <a href={`/incidents/${incident.ref}`}>{incident.title}</a>
      </h3>
      <p class="meta">
        <span class={`tag i-${impact}`}>{IMPACT_LABEL[impact]}</span> {INCIDENT_STATUS_LABEL[incident.status]}{' '}
        · since <Time at={incident.startedAt} />
        {names.length ? ` · Affects ${names.join(', ')}` : ''}
      </p>
      <UpdateList updates={props.view.updates} />
      {props.children}
    </article>
  );
}

export function MaintenanceCard(props: { model: PageModel; view: MaintenanceView }) {
  const m = props.view.maintenance;
  const names = props.model.components.filter((c) => m.components.includes(c.def.id)).map((c) => c.def.name);
  const state = props.view.state === 'in_progress' ? 'In progress' : 'Scheduled';
  return (
    <article class="card incident edge-maintenance" id={`maintenance-${m.id}`} aria-labelledby={`m-${m.id}`}>
      <h3 id={`m-${m.id}`}>{m.title}</h3>
      <p class="meta">
        <span class="tag i-maintenance">{state}</span> <Time at={m.startsAt} /> to <Time at={m.endsAt} />
        {names.length ? ` · Affects ${names.join(', ')}` : ''}
      </p>
      {m.message ? (
        <p class="msg">
          <Linkified text={m.message} />
        </p>
      ) : null}
    </article>
  );
}

function Group(props: { group: GroupView }) {
  const headingId = props.group.name ? `g-${props.group.components[0]?.def.id ?? 'x'}` : undefined;
  return (
    <div class="card group" role="group" aria-labelledby={headingId}>
      {props.group.name ? <h3 id={headingId}>{props.group.name}</h3> : null}
      {props.group.components.map((c) => (
        <div class="component" key={c.def.id}>
          <div class="crow">
            <span class="cname">{c.def.name}</span>
            <span class={`cstatus s-${c.status}`}>{COMPONENT_STATUS_LABEL[c.status]}</span>
          </div>
          {c.def.description ? <p class="cdesc">{c.def.description}</p> : null}
          <UptimeBars name={c.def.name} uptime={c.uptime} />
        </div>
      ))}
    </div>
  );
}

export function ComponentsSection(props: { model: PageModel }) {
  if (props.model.components.length === 0) return null;
  return (
    <section aria-labelledby="components">
      <h2 id="components">Components</h2>
      {props.model.groups.map((g, i) => (
        <Group key={g.name ?? `ungrouped-${i}`} group={g} />
      ))}
    </section>
  );
}

export function ActiveSections(props: {
  model: PageModel;
  internal?: (v: IncidentView) => ComponentChildren;
}) {
  const { model } = props;
  const maintenance = [...model.inProgress, ...model.upcoming];
  return (
    <>
      {model.active.length > 0 ? (
        <section aria-labelledby="active">
          <h2 id="active">Active incidents</h2>
          {model.active.map((v) => (
            <IncidentCard key={v.incident.id} model={model} view={v}>
              {props.internal?.(v)}
            </IncidentCard>
          ))}
        </section>
      ) : null}
      {maintenance.length > 0 ? (
        <section aria-labelledby="maintenance">
          <h2 id="maintenance">Scheduled maintenance</h2>
          {maintenance.map((v) => (
            <MaintenanceCard key={v.maintenance.id} model={model} view={v} />
          ))}
        </section>
      ) : null}
    </>
  );
}

export function PastIncidents(props: { model: PageModel }) {
  return (
    <section aria-labelledby="past">
      <h2 id="past">Past incidents</h2>
      <div class="card">
        {props.model.pastDays.map((day) => (
          <div class="day" key={day.date}>
            <h3>{fmtDate(day.date)}</h3>
            {day.incidents.length === 0 ? (
              <p class="none">No incidents reported.</p>
            ) : (
              <ul>
                {day.incidents.map((v) => (
                  <li key={v.incident.id}>
                    <a href={`/incidents/${v.incident.ref}`}>{v.incident.title}</a>{' '}
                    <span class={`i-${v.impact}`}>({INCIDENT_STATUS_LABEL[v.incident.status]})</span>
                    {v.updates[0] ? (
                      <p class="cdesc">
                        <Linkified text={v.updates[0].body} />
                      </p>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
      </div>
    </section>
  );
}

function Subscribe() {
  return (
    <section aria-labelledby="subscribe">
      <h2 id="subscribe">Get updates by email</h2>
      <form class="card sub" method="post" action="/subscribe">
        <label for="email">Email address</label>
        <input id="email" name="email" type="email" required autoComplete="email" maxLength={254} />
        <button type="submit">Subscribe</button>
      </form>
    </section>
  );
}

export const PublicNav = (props: { subscriptions: boolean }) => (
  <nav aria-label="Status page">
    <ul>
      {props.subscriptions ? (
        <li>
          <a href="/#subscribe">Subscribe</a>
        </li>
      ) : null}
      <li>
        <a href="/history.atom">Atom</a>
      </li>
      <li>
        <a href="/history.rss">RSS</a>
      </li>
    </ul>
  </nav>
);

export function PublicPage(props: { model: PageModel; subscriptions: boolean }) {
  const { model } = props;
  return (
    <Layout
      title={`${model.site.title}: ${model.status.description}`}
      heading={model.site.title}
      publicUrl={model.site.publicUrl}
      nav={<PublicNav subscriptions={props.subscriptions} />}
      footer={<Footer lastUpdated={model.lastUpdated} />}
    >
      <Banner model={model} />
      <ActiveSections model={model} />
      <ComponentsSection model={model} />
      <PastIncidents model={model} />
      {props.subscriptions ? <Subscribe /> : null}
    </Layout>
  );
}
