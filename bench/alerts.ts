import autocannon from 'autocannon';

/**
 * The alert load the ingest and storm benchmarks share: a fresh alert per request (never seen
 * before, so each is stored, not deduplicated), requests spread round-robin over 50 groups (one
 * service each), the same labels and annotations whoever receives them. Herald gets them as
 * Alertmanager's webhook sends them (`POST /hooks/alertmanager`, a group with `alerts: [...]`);
 * Alertmanager gets them as Prometheus sends them (`POST /api/v2/alerts`, a JSON array).
 */
export const GROUPS = 50;
export const HOOK_TOKEN = 'bench-alertmanager-token-0123';
export const services = Array.from({ length: GROUPS }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);

/** herald.yml's `services` and `integrations` for the 50 groups (and status page components). */
export function alertServicesConfig(): string {
  return `
organization: { name: Bench }
services:
${services.map((s, i) => `  - { id: ${s}, name: Service ${i + 1}, component: ${s} }`).join('\n')}
status_page:
  title: Bench Status
  components:
${services.map((s, i) => `    - { id: ${s}, name: Service ${i + 1}, group: Group ${Math.floor(i / 10) + 1} }`).join('\n')}
integrations:
  - id: prometheus
    type: alertmanager
    token: ${HOOK_TOKEN}
`;
}

function alerts(group: number, first: number, count: number) {
  const name = `Bench${group}`;
  const service = services[group] as string;
  return Array.from({ length: count }, (_, i) => ({
    labels: { alertname: name, service, severity: 'warning', instance: `host-${first + i}:9100` },
    annotations: { summary: `${name} above threshold` },
    startsAt: '2026-11-26T21:00:00Z',
    generatorURL: 'http://prometheus:9090/graph',
  }));
}

/** Alertmanager's webhook body for `count` new alerts of `group`, numbered from `first`. */
export function heraldBody(group: number, first: number, count: number): string {
  const name = `Bench${group}`;
  const service = services[group] as string;
  return JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'herald',
    groupKey: `{}:{alertname="${name}"}`,
    groupLabels: { alertname: name },
    commonLabels: { alertname: name, service, severity: 'warning' },
    commonAnnotations: { summary: `${name} above threshold` },
    alerts: alerts(group, first, count).map((a, i) => ({
      status: 'firing',
      ...a,
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `${group}-${first + i}`,
    })),
  });
}

/** The same alerts as Prometheus posts them to Alertmanager's v2 API. */
export function alertmanagerBody(group: number, first: number, count: number): string {
  return JSON.stringify(alerts(group, first, count));
}

export type Target = 'herald' | 'alertmanager';

/** autocannon knobs of one load. `counter` numbers requests across calls, so alerts stay fresh. */
export interface AlertLoad {
  readonly target: Target;
  readonly url: string;
  readonly alertsPerRequest: number;
  readonly connections: number;
  readonly durationS: number;
  readonly counter: { n: number };
  /** Requests per second over all connections; unset: as fast as answers come. */
  readonly overallRate?: number;
}

/** Starts the load; `.stop()` on the instance ends it early, the promise gives autocannon's result. */
export function startAlertLoad(l: AlertLoad): {
  instance: autocannon.Instance;
  done: Promise<autocannon.Result>;
} {
  const herald = l.target === 'herald';
  let resolve!: (r: autocannon.Result) => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<autocannon.Result>((res, rej) => ((resolve = res), (reject = rej)));
  const instance = autocannon(
    {
      url: herald ? `${l.url}/hooks/alertmanager` : `${l.url}/api/v2/alerts`,
      method: 'POST',
      connections: l.connections,
      duration: l.durationS,
      ...(l.overallRate ? { overallRate: l.overallRate } : {}),
      headers: {
        'content-type': 'application/json',
        ...(herald ? { authorization: `Bearer ${HOOK_TOKEN}` } : {}),
      },
      requests: [
        {
          setupRequest: (req) => {
            const i = l.counter.n++;
            const make = herald ? heraldBody : alertmanagerBody;
            return {
              ...req,
              body: make(i % GROUPS, Math.floor(i / GROUPS) * l.alertsPerRequest, l.alertsPerRequest),
            };
          },
        },
      ],
    },
    (err, result) => (err ? reject(err) : resolve(result)),
  );
  return { instance, done };
}

/** Runs a load to its end. */
export function alertLoad(l: AlertLoad): Promise<autocannon.Result> {
  return startAlertLoad(l).done;
}

/** Requests that did not end in a 2xx: non-2xx answers, socket errors, timeouts. */
export const failures = (r: autocannon.Result): number => r.non2xx + r.errors + r.timeouts;
