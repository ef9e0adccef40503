import { COMPONENT_STATUS_LABEL } from '../status';
import type { UptimeDay, Uptime } from '../uptime';
import { fmtDate, fmtSeconds, percent } from './format';

/**
 * The 90-day uptime bar of one component: one flex row of day segments (lighter than SVG, and CSS
 * can drop the oldest 60 on a phone). To assistive technology the row is one image named by a
 * summary (uptime and every day with incidents); each segment's title is its mouse tooltip.
 */

/** Short classes: one per day, so they add up (`o` operational, `d`, `p`, `m`). */
export const DAY_CLASS = {
  operational: 'o',
  under_maintenance: 'u',
  degraded_performance: 'd',
  partial_outage: 'p',
  major_outage: 'm',
} as const;

/** A bad day: date and time in each status, e.g. "23 Nov 2026: partial outage 1 h 30 min". */
function dayText(d: UptimeDay): string {
  const at = Object.entries(d.secondsAt)
    .map(
      ([status, s]) =>
        `${COMPONENT_STATUS_LABEL[status as keyof typeof COMPONENT_STATUS_LABEL].toLowerCase()} ${fmtSeconds(s)}`,
    )
    .join(', ');
  return `${fmtDate(d.date)}: ${at}`;
}

/** The tooltip of a day: the date alone when nothing happened, else its statuses and incidents. */
function dayTitle(d: UptimeDay): string {
  if (d.worst === 'operational') return fmtDate(d.date);
  return `${dayText(d)} (${d.incidents.map((i) => `${i.ref} ${i.title}`).join('; ')})`;
}

/**
 * The text alternative of the whole bar: uptime, then each day with incidents and how long each
 * status lasted. Incident titles are left to the tooltips and the incident list below, so a page
 * with a busy history does not carry every title twice.
 */
function summary(name: string, days: readonly UptimeDay[], pct: string): string {
  const bad = days.filter((d) => d.worst !== 'operational');
  const list = bad.length
    ? `${bad.length} day${bad.length > 1 ? 's' : ''} with incidents: ${bad.map(dayText).join('. ')}.`
    : 'No incidents.';
  return `${name}, last ${days.length} days: ${pct} uptime. ${list}`;
}

export function UptimeBars(props: { name: string; uptime: Uptime }) {
  const days = props.uptime.days;
  const last30 = days.slice(-30);
  const pct = percent(props.uptime.percent);
  const pct30 = percent(
    100 * (1 - last30.reduce((a, d) => a + d.downtimeSeconds, 0) / Math.max(1, last30.length * 86400)),
  );
  return (
    <div class="bars">
      <div class="bar" role="img" aria-label={summary(props.name, days, pct)}>
        {days.map((d) => (
          <span key={d.date} class={DAY_CLASS[d.worst]} title={dayTitle(d)} />
        ))}
      </div>
      <div class="legend" aria-hidden="true">
        <span>
          <span class="d90">{days.length} days ago</span>
          <span class="d30">{last30.length} days ago</span>
        </span>
        <span>
          <span class="d90">{pct} uptime</span>
          <span class="d30">{pct30} uptime</span>
        </span>
        <span>Today</span>
      </div>
    </div>
  );
}
