import { SEVERITIES } from '../../incidents/incident';
import type { DayStats } from '../timeline';
import { fmtDate, fmtMinutes } from './format';

/**
 * Server-rendered SVG charts for /internal (no script, no external assets). Each chart is a
 * figure: the SVG is one image named by a one-line summary, and the same numbers follow in a
 * table inside <details> for anyone who cannot see the bars.
 */
const W = 600;
const H = 170;
const LEFT = 44;
const BOTTOM = 22;
const TOP = 8;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * pow >= v) return m * pow;
  return 10 * pow;
}

/** Gridlines at 0, half and full scale (deduplicated once rounded), and a date every 7 days back from today. */
function Axes(props: {
  max: number;
  days: readonly DayStats[];
  format: (v: number) => string;
  integer?: boolean;
}) {
  const plotH = H - TOP - BOTTOM;
  const step = (W - LEFT) / props.days.length;
  const ticks = [
    ...new Set([0, 0.5, 1].map((f) => (props.integer ? Math.round(props.max * f) : props.max * f))),
  ];
  return (
    <g>
      {ticks.map((v) => {
        const y = TOP + plotH * (1 - v / props.max);
        return (
          <g key={v}>
            <line x1={LEFT} x2={W} y1={y} y2={y} stroke="#d8dee4" />
            <text x={LEFT - 4} y={y + 4} text-anchor="end">
              {props.format(v)}
            </text>
          </g>
        );
      })}
      {props.days.map((d, i) =>
        (props.days.length - 1 - i) % 7 === 0 ? (
          <text
            key={d.date}
            x={i === props.days.length - 1 ? W : LEFT + i * step + step / 2}
            y={H - 6}
            text-anchor={i === props.days.length - 1 ? 'end' : 'middle'}
          >
            {fmtDate(d.date).replace(/ \d{4}$/, '')}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Scales that read well in minutes and hours. */
const NICE_MINUTES = [2, 4, 10, 20, 30, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880, 5760, 10080];

/** Short axis labels: 40m, 1.5h, 3d. */
const axisMinutes = (v: number): string =>
  v < 60 ? `${Math.round(v)}m` : v < 48 * 60 ? `${+(v / 60).toFixed(1)}h` : `${+(v / 1440).toFixed(1)}d`;

export function SeverityChart(props: { days: readonly DayStats[] }) {
  const totals = props.days.map((d) => SEVERITIES.reduce((a, s) => a + d.bySeverity[s], 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotH = H - TOP - BOTTOM;
  const step = (W - LEFT) / props.days.length;
  const total = totals.reduce((a, b) => a + b, 0);
  const summary = `Incidents per day by severity, last ${props.days.length} days: ${total} in total, at most ${Math.max(0, ...totals)} on one day.`;
  return (
    <figure class="card chart">
      <figcaption>
        <h3>Incidents per day by severity</h3>
      </figcaption>
      <ul class="keys" aria-hidden="true">
        {SEVERITIES.map((s) => (
          <li key={s}>
            <span class={`sev-${s}`} />
            {s}
          </li>
        ))}
      </ul>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="c-sev">
        <title id="c-sev">{summary}</title>
        <Axes max={max} days={props.days} format={(v) => String(v)} integer />
        {props.days.map((d, i) => {
          let y = TOP + plotH;
          return (
            <g key={d.date}>
              {[...SEVERITIES].reverse().map((s) => {
                const n = d.bySeverity[s];
                if (!n) return null;
                const h = (n / max) * plotH;
                y -= h;
                return (
                  <rect
                    key={s}
                    class={`sev-${s}`}
                    x={LEFT + i * step + 1}
                    y={y}
                    width={Math.max(1, step - 2)}
                    height={h}
                  >
                    <title>{`${fmtDate(d.date)}: ${n} ${s}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <details>
        <summary>Data</summary>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {SEVERITIES.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.days
                .filter((_, i) => totals[i])
                .map((d) => (
                  <tr key={d.date}>
                    <th scope="row">{fmtDate(d.date)}</th>
                    {SEVERITIES.map((s) => (
                      <td key={s}>{d.bySeverity[s]}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

export function MinutesChart(props: {
  id: string;
  title: string;
  days: readonly DayStats[];
  value: (d: DayStats) => number | null;
  overall: number | null;
  colour: string;
}) {
  const values = props.days.map(props.value);
  const top = Math.max(0, ...values.map((v) => v ?? 0));
  const max = NICE_MINUTES.find((m) => m >= top) ?? niceMax(top);
  const plotH = H - TOP - BOTTOM;
  const step = (W - LEFT) / props.days.length;
  const summary = `${props.title} per day, last ${props.days.length} days; overall ${fmtMinutes(props.overall)}.`;
  return (
    <figure class="card chart">
      <figcaption>
        <h3>
          {props.title}: {fmtMinutes(props.overall)}
        </h3>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`c-${props.id}`}>
        <title id={`c-${props.id}`}>{summary}</title>
        <Axes max={max} days={props.days} format={axisMinutes} />
        {props.days.map((d, i) => {
          const v = values[i];
          if (v === null || v === undefined) return null;
          const h = Math.max(1, (v / max) * plotH);
          return (
            <rect
              key={d.date}
              fill={props.colour}
              x={LEFT + i * step + 1}
              y={TOP + plotH - h}
              width={Math.max(1, step - 2)}
              height={h}
            >
              <title>{`${fmtDate(d.date)}: ${fmtMinutes(v)}`}</title>
            </rect>
          );
        })}
      </svg>
      <details>
        <summary>Data</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">{props.title}</th>
            </tr>
          </thead>
          <tbody>
            {props.days.map((d, i) =>
              values[i] === null ? null : (
                <tr key={d.date}>
                  <th scope="row">{fmtDate(d.date)}</th>
                  <td>{fmtMinutes(values[i] ?? null)}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
