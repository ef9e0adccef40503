import { DateTime } from 'luxon';
import type { Incident, TimelineEvent } from '../../src/incidents/incident';
import {
  componentStatuses,
  incidentImpact,
  maintenanceState,
  pageStatus,
  type ComponentDef,
  type Maintenance,
} from '../../src/statuspage/status';
import { dailyStats, publicUpdates } from '../../src/statuspage/timeline';
import { uptime } from '../../src/statuspage/uptime';

const t = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const services = new Map([
  ['api', 'api'],
  ['checkout', 'checkout'],
  ['web', 'website'],
]);
const components: ComponentDef[] = ['api', 'checkout', 'website'].map((id, i) => ({
  id,
  name: id,
  group: null,
  description: null,
  position: i + 1,
}));

function incident(p: Partial<Incident> & { id: number }): Incident {
  return {
    ref: `INC-${p.id}`,
    title: 'x',
    description: '',
    severity: 'high',
    status: 'investigating',
    services: [],
    impact: '',
    rootCause: null,
    resolutionSteps: null,
    commander: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    startedAt: t('2026-11-20T10:00:00Z'),
    resolvedAt: null,
    createdBy: 'test',
    source: 'api',
    publicTitle: 'x',
    published: true,
    publishedAt: null,
    publishedBy: null,
    private: false,
    version: 1,
    updatedAt: t('2026-11-20T10:00:00Z'),
    ...p,
  };
}

function maintenance(p: Partial<Maintenance>): Maintenance {
  return {
    id: 1,
    title: 'DB upgrade',
    message: '',
    components: ['api'],
    startsAt: t('2026-11-26T22:00:00Z'),
    endsAt: t('2026-11-26T23:00:00Z'),
    completedAt: null,
    cancelledAt: null,
    createdBy: 'test',
    createdAt: t('2026-11-20T00:00:00Z'),
    updatedAt: t('2026-11-20T00:00:00Z'),
    ...p,
  };
}

describe('component status', () => {
  it('maps severity to component status through the services, worst incident winning', () => {
    const statuses = componentStatuses({
      components,
      componentOfService: services,
      openIncidents: [
        incident({ id: 1, severity: 'medium', services: ['api'] }),
        incident({ id: 2, severity: 'critical', services: ['api', 'checkout'] }),
        incident({ id: 3, severity: 'info', services: ['web'] }),
      ],
      overrides: new Map(),
      maintenances: [],
      now: t('2026-11-26T12:00:00Z'),
    });
    expect(Object.fromEntries(statuses)).toEqual({
      api: 'major_outage',
      checkout: 'major_outage',
      website: 'operational',
    });
  });

  it('lets an explicit override replace the derived status, including on other components', () => {
    const impact = incidentImpact(
      incident({ id: 1, severity: 'critical', services: ['api', 'checkout'] }),
      services,
      [
        {
          incidentId: 1,
          componentId: 'api',
          status: 'degraded_performance',
          setBy: 'x',
          setAt: t('2026-11-26T12:00:00Z'),
        },
        {
          incidentId: 1,
          componentId: 'checkout',
          status: 'operational',
          setBy: 'x',
          setAt: t('2026-11-26T12:00:00Z'),
        },
        {
          incidentId: 1,
          componentId: 'website',
          status: 'partial_outage',
          setBy: 'x',
          setAt: t('2026-11-26T12:00:00Z'),
        },
      ],
    );
    expect(Object.fromEntries(impact)).toEqual({ api: 'degraded_performance', website: 'partial_outage' });
  });

  it('shows under_maintenance only inside the window, and an outage outranks it', () => {
    const m = maintenance({ components: ['api', 'checkout'] });
    const at = (iso: string, open: Incident[] = []) =>
      Object.fromEntries(
        componentStatuses({
          components,
          componentOfService: services,
          openIncidents: open,
          overrides: new Map(),
          maintenances: [m],
          now: t(iso),
        }),
      );
    expect(at('2026-11-26T21:59:59Z').api).toBe('operational');
    expect(at('2026-11-26T22:00:00Z')).toEqual({
      api: 'under_maintenance',
      checkout: 'under_maintenance',
      website: 'operational',
    });
    expect(at('2026-11-26T22:30:00Z', [incident({ id: 1, severity: 'high', services: ['api'] })]).api).toBe(
      'partial_outage',
    );
    expect(at('2026-11-26T23:00:00Z').api).toBe('operational');
  });

  it('derives maintenance states from the clock, early completion and cancellation', () => {
    const m = maintenance({});
    expect(maintenanceState(m, t('2026-11-26T21:00:00Z'))).toBe('upcoming');
    expect(maintenanceState(m, t('2026-11-26T22:10:00Z'))).toBe('in_progress');
    expect(maintenanceState(m, t('2026-11-26T23:10:00Z'))).toBe('completed');
    expect(
      maintenanceState({ ...m, completedAt: t('2026-11-26T22:20:00Z') }, t('2026-11-26T22:30:00Z')),
    ).toBe('completed');
    expect(
      maintenanceState({ ...m, cancelledAt: t('2026-11-26T20:00:00Z') }, t('2026-11-26T22:10:00Z')),
    ).toBe('cancelled');
  });

  it('rolls statuses and incident impacts up into the page indicator', () => {
    expect(pageStatus(['operational'], [], false)).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
    expect(pageStatus(['operational', 'under_maintenance'], [], true).indicator).toBe('maintenance');
    expect(pageStatus(['degraded_performance', 'under_maintenance'], [], true).indicator).toBe('minor');
    expect(pageStatus(['partial_outage'], [], false)).toEqual({
      indicator: 'major',
      description: 'Partial System Outage',
    });
    // an incident on a service without a component still raises the indicator
    expect(pageStatus(['operational'], [{ severity: 'critical' }], false)).toEqual({
      indicator: 'critical',
      description: 'Major System Outage',
    });
  });
});

describe('uptime', () => {
  const now = t('2026-11-26T12:00:00Z');

  it('weights major outages fully, partial outages at 30 % and counts overlaps once', () => {
    const u = uptime(
      [
        {
          start: t('2026-11-25T10:00:00Z'),
          end: t('2026-11-25T12:00:00Z'),
          status: 'major_outage',
          ref: 'INC-1',
          title: 'a',
        },
        // overlaps the major outage for one hour, then one more hour alone at 30 %
        {
          start: t('2026-11-25T11:00:00Z'),
          end: t('2026-11-25T13:00:00Z'),
          status: 'partial_outage',
          ref: 'INC-2',
          title: 'b',
        },
        {
          start: t('2026-11-24T00:00:00Z'),
          end: t('2026-11-24T06:00:00Z'),
          status: 'degraded_performance',
          ref: 'INC-3',
          title: 'c',
        },
      ],
      now,
      3,
    );
    expect(u.days.map((d) => d.date)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
    const [d24, d25, d26] = u.days;
    expect(d24).toMatchObject({
      worst: 'degraded_performance',
      downtimeSeconds: 0,
      secondsAt: { degraded_performance: 6 * 3600 },
    });
    expect(d25).toMatchObject({
      worst: 'major_outage',
      downtimeSeconds: 2 * 3600 + 0.3 * 3600,
      secondsAt: { major_outage: 2 * 3600, partial_outage: 2 * 3600 },
    });
    expect(d25?.incidents.map((i) => i.ref)).toEqual(['INC-1', 'INC-2']);
    expect(d26).toMatchObject({ worst: 'operational', downtimeSeconds: 0 });
    // 2.3 h down out of 2 full days + 12 h of today
    expect(u.percent).toBeCloseTo(100 * (1 - 2.3 / 60), 6);
  });

  it('counts an open incident up to now and splits it across days', () => {
    const u = uptime(
      [{ start: t('2026-11-25T22:00:00Z'), end: null, status: 'major_outage', ref: 'INC-9', title: 'open' }],
      now,
      2,
    );
    expect(u.days.map((d) => d.downtimeSeconds)).toEqual([2 * 3600, 12 * 3600]);
  });
});

describe('timeline', () => {
  const ev = (id: number, p: Partial<TimelineEvent>): TimelineEvent => ({
    id,
    incidentId: 1,
    at: t(`2026-11-26T12:0${id}:00Z`),
    actor: 'a',
    kind: 'updated',
    changes: [],
    message: null,
    publicMessage: null,
    ...p,
  });

  it('keeps only public messages, with the status each one was posted under', () => {
    const updates = publicUpdates([
      ev(1, { kind: 'declared', message: 'internal: db primary down' }),
      ev(2, {
        kind: 'status_changed',
        changes: [{ field: 'status', from: 'investigating', to: 'identified' }],
        message: 'secret note',
        publicMessage: 'We found the cause.',
      }),
      ev(3, { message: 'only internal' }),
      ev(4, {
        kind: 'resolved',
        changes: [{ field: 'status', from: 'identified', to: 'resolved' }],
        publicMessage: '  Fixed.  ',
      }),
    ]);
    expect(updates.map((u) => [u.id, u.status, u.body])).toEqual([
      [2, 'identified', 'We found the cause.'],
      [4, 'resolved', 'Fixed.'],
    ]);
  });

  it('computes incidents per day by severity, MTTA and MTTR', () => {
    const now = t('2026-11-26T12:00:00Z');
    const s = dailyStats(
      [
        incident({
          id: 1,
          severity: 'critical',
          startedAt: t('2026-11-26T01:00:00Z'),
          acknowledgedAt: t('2026-11-26T01:04:00Z'),
          resolvedAt: t('2026-11-26T02:00:00Z'),
          status: 'resolved',
        }),
        incident({
          id: 2,
          severity: 'low',
          startedAt: t('2026-11-26T03:00:00Z'),
          acknowledgedAt: t('2026-11-26T03:10:00Z'),
        }),
        incident({ id: 3, severity: 'low', startedAt: t('2026-11-20T03:00:00Z') }),
        incident({ id: 4, severity: 'high', startedAt: t('2026-09-01T03:00:00Z') }), // outside 30 days
      ],
      now,
    );
    expect(s.days).toHaveLength(30);
    expect(s.total).toBe(3);
    const today = s.days[29];
    expect(today?.date).toBe('2026-11-26');
    expect(today?.bySeverity).toEqual({ critical: 1, high: 0, medium: 0, low: 1, info: 0 });
    expect(today?.mttaMinutes).toBe(7);
    expect(today?.mttrMinutes).toBe(60);
    expect(s.mttaMinutes).toBe(7);
    expect(s.days.find((d) => d.date === '2026-11-20')?.bySeverity.low).toBe(1);
  });
});
