import fs from 'node:fs';
import path from 'node:path';
import { ingestOptionsFromConfig } from '../../src/ingest';
import { alertmanagerPayload, fromAlertmanager } from '../../src/ingest/alertmanager';
import { compileMapping, servicePrefixOf } from '../../src/ingest/mapping';
import { clearedMessage, moreAlertsMessage, reopenMessage, resolvedSummary } from '../../src/ingest/messages';
import { cloudWatchAlarm, fromCloudWatch } from '../../src/ingest/sns';
import { senderTime } from '../../src/ingest/text';
import { DateTime } from 'luxon';
import { HeraldError } from '../../src/common/errors';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/ingest', name), 'utf8')) as Record<
    string,
    unknown
  >;
const known = new Set(['checkout', 'checkout-eu', 'api']);
const prom = {
  id: 'prom',
  defaultSeverity: 'high',
  severityLabel: 'severity',
  serviceLabel: 'service',
  autoResolve: true,
} as const;

describe('compileMapping', () => {
  const mapper = compileMapping(
    prom,
    {
      defaultService: 'api',
      severityMap: { Disaster: 'critical' },
      rules: [
        { match: { alertname: 'Payment.*', team: 'pay' }, service: 'checkout', severity: 'critical' },
        { match: { alertname: 'Watchdog' }, severity: 'info' },
      ],
    },
    known,
  );

  it.each([
    [{ alertname: 'PaymentFailures', team: 'pay', service: 'api' }, 'checkout', 'critical'],
    [{ alertname: 'PaymentFailures', team: 'web', service: 'api', severity: 'warning' }, 'api', 'medium'],
    [{ alertname: 'XPaymentFailures', team: 'pay' }, 'api', 'high'], // regexes match the whole value
    [{ alertname: 'Watchdog', service: 'checkout', severity: 'critical' }, 'checkout', 'info'],
    [{ alertname: 'Disk', service: 'billing', severity: 'DISASTER' }, 'api', 'critical'], // unknown service → default
    [{ alertname: 'Disk', severity: 'P2' }, 'api', 'high'],
    [{ alertname: 'Disk', severity: 'whatever' }, 'api', 'high'],
  ])('%j → %s, %s', (labels, service, severity) => {
    expect(mapper.service(labels)).toBe(service);
    expect(mapper.severity(labels)).toBe(severity);
  });

  it('fails at start-up on a bad regex or an unknown service, naming the rule', () => {
    const bad = (rules: Parameters<typeof compileMapping>[1]) => () => compileMapping(prom, rules, known);
    expect(bad({ rules: [{ match: { a: '(' }, severity: 'low' }] })).toThrow(
      /ingest mapping of integration "prom", rules\[0\]\.match\.a: Invalid regular expression/,
    );
    expect(bad({ rules: [{ match: {}, service: 'billing' }] })).toThrow(HeraldError);
    expect(bad({ defaultService: 'billing' })).toThrow('unknown default service "billing"');
  });

  it('finds the longest configured service an alarm name starts with', () => {
    expect(servicePrefixOf('checkout-5xx-rate', known)).toBe('checkout');
    expect(servicePrefixOf('checkout-eu-latency', known)).toBe('checkout-eu');
    expect(servicePrefixOf('checkoutx-latency', known)).toBeNull();
    expect(servicePrefixOf('api', known)).toBe('api');
  });
});

describe('fromAlertmanager', () => {
  it('reduces the real Alertmanager 0.25 payload to one batch for its group', () => {
    const payload = alertmanagerPayload.parse(fixture('alertmanager-firing.json'));
    const batch = fromAlertmanager(payload, prom, compileMapping(prom, {}, known));
    expect(batch).toMatchObject({
      integrationId: 'prom',
      groupKey: '{}:{alertname="HighLatency", service="checkout"}',
      service: 'checkout',
      title: 'HighLatency: p99 latency above 2s',
    });
    expect(
      batch.alerts.map((a) => [a.fingerprint, a.status, a.severity, a.service, a.summary, a.url]),
    ).toEqual([
      [
        'ec6cfb4f1897bc6e',
        'firing',
        'critical',
        'checkout',
        'checkout-1:9100: p99 latency above 2s',
        'http://prometheus.example:9090/graph?g0.expr=x',
      ],
      ['e36b17b8c025d98d', 'firing', 'critical', 'checkout', 'checkout-2:9100: p99 latency above 2s', null],
    ]);
    expect(batch.alerts[0]?.startsAt?.toISO()).toBe('2026-11-26T21:26:21.977Z');
  });

  it('builds a group key and fingerprints when the sender gives none, and hashes huge keys', () => {
    const payload = alertmanagerPayload.parse({
      status: 'firing',
      groupLabels: { b: '2', a: '1' },
      alerts: [{ status: 'firing', labels: { x: 'y' }, endsAt: '0001-01-01T00:00:00Z' }],
    });
    const batch = fromAlertmanager(payload, prom, compileMapping(prom, {}, known));
    expect(batch.groupKey).toBe('{}:{a=1, b=2}');
    expect(batch.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(batch.alerts[0]?.startsAt).toBeNull();
    expect(batch.title).toBe('Alertmanager alert (a=1, b=2)');
    const long = fromAlertmanager(
      { ...payload, groupKey: 'k'.repeat(1000) },
      prom,
      compileMapping(prom, {}, known),
    );
    expect(long.groupKey).toMatch(/^sha256:[0-9a-f]{32}$/);
  });
});

describe('senderTime', () => {
  it.each([
    ['2026-11-26T21:00:00Z', '2026-11-26T21:00:00.000Z'],
    ['2026-11-26T21:00:00.123456789Z', '2026-11-26T21:00:00.123Z'], // Go's RFC 3339 nanoseconds
    ['2026-11-26T23:30:00.5+02:30', '2026-11-26T21:00:00.500Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2026-W48-4T21:00:00Z', '2026-11-26T21:00:00.000Z'], // other ISO 8601 forms: luxon's parser
  ])('reads %s as %s', (given, iso) => {
    expect(senderTime(given)?.toUTC().toISO()).toBe(iso);
  });

  it.each([
    ['0001-01-01T00:00:00Z'], // Alertmanager's zero endsAt
    ['1999-12-31T23:59:59Z'],
    ['2026-04-31T00:00:00Z'], // no April 31st (Date.parse would roll it over to May 1st)
    ['2026-02-29T00:00:00Z'],
    ['2026-13-01T00:00:00Z'],
    ['2026-11-26T25:00:00Z'],
    ['yesterday'],
    [''],
  ])('refuses %s', (given) => {
    expect(senderTime(given)).toBeNull();
  });
});

describe('fromCloudWatch', () => {
  const sample = JSON.parse(fixture('sns-cloudwatch-alarm.json').Message as string) as unknown;
  const cw = { ...prom, id: 'cw' };

  it('makes one alert per alarm, firing on ALARM, with labels rules can match', () => {
    const batch = fromCloudWatch(cloudWatchAlarm.parse(sample), cw, compileMapping(cw, {}, known));
    expect(batch).toMatchObject({
      groupKey: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-rate',
      service: 'checkout',
      title: 'checkout-5xx-rate: 5xx rate above 2% on checkout ALB',
    });
    expect(batch?.alerts[0]).toMatchObject({
      status: 'firing',
      severity: 'high',
      labels: {
        alarm_name: 'checkout-5xx-rate',
        namespace: 'AWS/ApplicationELB',
        metric_name: 'HTTPCode_Target_5XX_Count',
        region: 'EU (Ireland)',
        account_id: '123456789012',
        dimension_LoadBalancer: 'app/checkout/0123456789abcdef',
      },
    });
    const mapped = compileMapping(
      cw,
      { rules: [{ match: { namespace: 'AWS/ApplicationELB' }, severity: 'critical', service: 'api' }] },
      known,
    );
    expect(fromCloudWatch(cloudWatchAlarm.parse(sample), cw, mapped)?.alerts[0]).toMatchObject({
      severity: 'critical',
      service: 'api',
    });
  });

  it('resolves on OK and ignores INSUFFICIENT_DATA', () => {
    const m = compileMapping(cw, {}, known);
    const ok = cloudWatchAlarm.parse({ ...(sample as object), NewStateValue: 'OK' });
    expect(fromCloudWatch(ok, cw, m)?.alerts[0]?.status).toBe('resolved');
    expect(
      fromCloudWatch(
        cloudWatchAlarm.parse({ ...(sample as object), NewStateValue: 'INSUFFICIENT_DATA' }),
        cw,
        m,
      ),
    ).toBeNull();
  });
});

describe('messages', () => {
  const now = DateTime.fromISO('2026-11-26T12:00:00Z', { zone: 'utc' });
  it('says what changed in a few words', () => {
    expect(moreAlertsMessage(1, 3, 4, ['a'])).toBe('1 more alert (3 firing, 4 in total): a');
    expect(moreAlertsMessage(1200, 1500, 1500, ['a', 'b', 'c', 'd'])).toBe(
      '1,200 more alerts (1,500 firing, 1,500 in total): a; b; c; …',
    );
    expect(reopenMessage(2, now.minus({ seconds: 20 }), now, ['x', 'y'])).toBe(
      '2 alerts firing again less than a minute after the incident was resolved (flapping): x; y',
    );
    expect(resolvedSummary(1, false, 10)).toBe('The alert resolved');
    expect(resolvedSummary(3, true, 10)).toBe(
      'All 3 alerts resolved and stayed resolved for 10 minutes after flapping',
    );
    expect(clearedMessage(2)).toMatch(/^All 2 alerts have cleared\. Auto-resolve is off/);
  });
});

describe('ingestOptionsFromConfig', () => {
  it('turns the YAML shape (lists, safe from key camelCasing) into module options', () => {
    const options = ingestOptionsFromConfig({
      ingest: {
        flapWindowMinutes: 15,
        storm: { newAlertsPerMinute: 300, updateIntervalSeconds: 120 },
        maxInFlight: 32,
        maxPoolWaiting: 16,
        retryAfterSeconds: 5,
      },
      integrations: [
        {
          id: 'cw',
          defaultService: 'api',
          severityMap: [{ value: 'p_1', severity: 'critical' }],
          rules: [{ match: [{ label: 'alarm_name', regex: 'checkout-.*' }], service: 'checkout' }],
        },
      ],
    });
    expect(options).toEqual({
      policy: { flapWindowMinutes: 15, stormNewAlertsPerMinute: 300, stormUpdateIntervalSeconds: 120 },
      limits: { maxInFlight: 32, maxPoolWaiting: 16, retryAfterSeconds: 5 },
      mappings: {
        cw: {
          defaultService: 'api',
          severityMap: { p_1: 'critical' },
          rules: [{ match: { alarm_name: 'checkout-.*' }, service: 'checkout' }],
        },
      },
    });
    const mapper = compileMapping({ ...prom, id: 'cw' }, options.mappings?.cw ?? {}, known);
    expect(mapper.service({ alarm_name: 'checkout-5xx' })).toBe('checkout');
    expect(mapper.severity({ severity: 'P_1' })).toBe('critical');
  });
});
