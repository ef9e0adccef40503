import type { DateTime } from 'luxon';
import type { IncidentView, PageModel } from '../model';
import { COMPONENT_STATUS_LABEL } from '../status';
import type { Stats } from '../timeline';
import { fmtMinutes, INCIDENT_STATUS_LABEL } from './format';
import { MinutesChart, SeverityChart } from './charts';
import { Footer, Layout, Linkified, Time } from './parts';
import { ActiveSections, Banner, ComponentsSection, PastIncidents } from './public-page';

/**
 * `GET /internal`: the public page plus what responders and the business need: internal notes,
 * responders and acknowledgement, every service, delivery health and 30-day charts.
 */

export interface DeliveryHealthView {
  /** Null when no delivery-health source is connected. */
  readonly rows: readonly { channel: string; failed: number; dead: number }[] | null;
  readonly since: DateTime;
}

function Responders(props: { view: IncidentView }) {
  const i = props.view.incident;
  return (
    <div>
      <p class="meta">
        <strong>Severity</strong> {i.severity} · <strong>Commander</strong> {i.commander ?? 'none'} ·{' '}
        {i.acknowledgedBy && i.acknowledgedAt ? (
          <span class="ok">
            Acknowledged by {i.acknowledgedBy} at <Time at={i.acknowledgedAt} />
          </span>
        ) : (
          <span class="warn">Not acknowledged</span>
        )}
        {i.services.length ? ` · Services ${i.services.join(', ')}` : ''}
        {' · '}
        <strong>Public</strong>{' '}
        {i.private
          ? 'never (private)'
          : i.published
            ? `as “${i.publicTitle}”`
            : 'no: not published yet (it is on no public page, feed or mail)'}
      </p>
      <details>
        <summary>Full timeline with internal notes ({props.view.timeline.length})</summary>
        <ol class="updates">
          {props.view.timeline.map(({ event, status }) => (
            <li key={event.id}>
              <p>
                <strong>{event.kind.replace('_', ' ')}</strong> by {event.actor} ·{' '}
                {INCIDENT_STATUS_LABEL[status]}
                {event.changes.length
                  ? ` · ${event.changes.map((c) => `${c.field}: ${c.from ?? '–'} → ${c.to ?? '–'}`).join('; ')}`
                  : ''}
              </p>
              {event.message ? (
                <p class="note">
                  <span class="sr">Internal note: </span>
                  <Linkified text={event.message} />
                </p>
              ) : null}
              {event.publicMessage ? (
                <p>
                  <span class="tag">public</span> <Linkified text={event.publicMessage} />
                </p>
              ) : null}
              <span class="when">
                <Time at={event.at} />
              </span>
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}

function DeliveryHealth(props: { health: DeliveryHealthView }) {
  const rows = props.health.rows;
  return (
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">Delivery health (last 24 h)</h2>
      <div class="card">
        {rows === null ? (
          <p>Delivery health is not available: the notification engine is not connected.</p>
        ) : rows.every((r) => r.failed + r.dead === 0) ? (
          <p class="ok">
            No failed or dead deliveries since <Time at={props.health.since} />.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Failed</th>
                <th scope="col">Dead</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.channel}>
                  <th scope="row">{r.channel}</th>
                  <td class={r.failed ? 'warn' : undefined}>{r.failed}</td>
                  <td class={r.dead ? 'warn' : undefined}>{r.dead}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

function Services(props: { model: PageModel }) {
  const { model } = props;
  const services = [...model.site.serviceNames.entries()];
  return (
    <section aria-labelledby="services">
      <h2 id="services">Services</h2>
      <div class="card scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Component</th>
              <th scope="col">Status</th>
              <th scope="col">Open incidents</th>
            </tr>
          </thead>
          <tbody>
            {services.map(([id, name]) => {
              const componentId = model.site.componentOfService.get(id);
              const component = model.components.find((c) => c.def.id === componentId);
              const open = model.active.filter((v) => v.incident.services.includes(id));
              return (
                <tr key={id}>
                  <th scope="row">{name}</th>
                  <td>{component?.def.name ?? '–'}</td>
                  <td class={component ? `s-${component.status}` : undefined}>
                    {component
                      ? COMPONENT_STATUS_LABEL[component.status]
                      : open.length
                        ? 'Affected'
                        : 'No component'}
                  </td>
                  <td>{open.map((v) => v.incident.ref).join(', ') || 'none'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function InternalPage(props: { model: PageModel; stats: Stats; health: DeliveryHealthView }) {
  const { model, stats } = props;
  return (
    <Layout
      title={`Internal · ${model.site.title}`}
      heading={`${model.site.title} (internal)`}
      publicUrl={model.site.publicUrl}
      robots="noindex, nofollow"
      nav={
        <nav aria-label="Internal status">
          <ul>
            <li>
              <a href="/">Public page</a>
            </li>
            <li>
              <a href="#deliveries">Deliveries</a>
            </li>
            <li>
              <a href="#trends">Trends</a>
            </li>
          </ul>
        </nav>
      }
      footer={<Footer lastUpdated={model.lastUpdated} />}
    >
      <Banner model={model} />
      {model.active.length === 0 ? <p>No open incidents.</p> : null}
      <ActiveSections model={model} internal={(v) => <Responders view={v} />} />
      <DeliveryHealth health={props.health} />
      <Services model={model} />
      <section aria-labelledby="trends">
        <h2 id="trends">Last 30 days</h2>
        <p>
          {stats.total} incident{stats.total === 1 ? '' : 's'} · mean time to acknowledge{' '}
          {fmtMinutes(stats.mttaMinutes)} · mean time to resolve {fmtMinutes(stats.mttrMinutes)}
        </p>
        <SeverityChart days={stats.days} />
        <MinutesChart
          id="mtta"
          title="MTTA"
          days={stats.days}
          value={(d) => d.mttaMinutes}
          overall={stats.mttaMinutes}
          colour="#0969da"
        />
        <MinutesChart
          id="mttr"
          title="MTTR"
          days={stats.days}
          value={(d) => d.mttrMinutes}
          overall={stats.mttrMinutes}
          colour="#8250df"
        />
      </section>
      <ComponentsSection model={model} />
      <PastIncidents model={model} />
    </Layout>
  );
}
