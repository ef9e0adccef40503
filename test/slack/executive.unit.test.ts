import { buildDigest } from '../../src/slack/digest';
import { executiveSummary } from '../../src/slack/views/executive';
import { event, incident, T0 } from './fixtures';

const base = {
  orgName: 'Acme',
  publicUrl: 'https://status.acme.example',
  serviceNames: ['Checkout'],
  nextUpdateDue: T0.plus({ minutes: 50 }),
};
const all = (r: { text: string; blocks: unknown[] }): string => `${r.text}\n${JSON.stringify(r.blocks)}`;

describe('executive summary DM', () => {
  test('declared: what, since when, customer impact, status, next update, in business words', () => {
    const r = executiveSummary({ ...base, incident: incident(), event: event({ kind: 'declared' }) });
    const out = all(r);
    expect(out).toContain(':rotating_light: *Major disruption:* Checkout is affected.');
    expect(out).toContain('*What is affected*\\nCheckout');
    expect(out).toContain(
      `*Since*\\n<!date^${T0.toSeconds()}^{date_short_pretty} at {time}|2026-03-02 14:00 UTC> (so far 20 min)`,
    );
    expect(out).toContain('*Customer impact*\\nCustomers cannot complete purchases');
    expect(out).toContain('*Current status*\\nWe are investigating the cause.');
    expect(out).toContain(
      `*Next update*\\n<!date^${T0.plus({ minutes: 50 }).toSeconds()}^{time}|2026-03-02 14:50 UTC>`,
    );
    expect(out).toContain('<https://status.acme.example/|status page>');
    expect(r.text).toBe('Acme: major disruption, Checkout. We are investigating the cause.');
  });

  test('no jargon, no internal notes: title, description, update message, root cause and codes stay out', () => {
    const r = executiveSummary({
      ...base,
      incident: incident({ status: 'identified', rootCause: 'pgbouncer max_client_conn on db-primary-3' }),
      event: event({
        kind: 'status_changed',
        message: 'restarting pgbouncer on db-primary-3.internal',
        publicMessage: 'We found the cause and are fixing it.',
      }),
    });
    const out = all(r);
    for (const banned of [
      'db-primary-3',
      'pgbouncer',
      'SEV1',
      'p99',
      'runbook',
      'critical',
      'INC-4 p99',
      'identified',
    ]) {
      expect(out).not.toContain(banned);
    }
    expect(out).toContain('The cause is known and a fix is under way.');
    expect(out).toContain('>We found the cause and are fixing it.');
  });

  test('resolved: back to normal, how long it lasted, no further updates', () => {
    const r = executiveSummary({
      ...base,
      serviceNames: ['Checkout', 'Public API', 'Website'],
      nextUpdateDue: null,
      incident: incident({ status: 'resolved', resolvedAt: T0.plus({ hours: 2, minutes: 5 }) }),
      event: event({ kind: 'resolved', at: T0.plus({ hours: 2, minutes: 5 }) }),
    });
    const out = all(r);
    expect(out).toContain(
      ':white_check_mark: *Resolved:* Checkout, Public API and Website are back to normal.',
    );
    expect(out).toContain('(lasted 2 h 5 min)');
    expect(out).toContain('*Next update*\\nNo further updates planned.');
  });

  test('typed text is escaped', () => {
    const r = executiveSummary({
      ...base,
      orgName: 'Acme <!channel>',
      serviceNames: ['<!here>'],
      incident: incident({ impact: '<https://evil.example|Refund here> & <@U123>' }),
      event: event({ kind: 'status_changed', publicMessage: '<!everyone> please' }),
    });
    const out = all(r);
    expect(out).not.toMatch(/<!(channel|here|everyone)>|<https:\/\/evil|<@U123>/);
    expect(out).toContain('&lt;https://evil.example|Refund here&gt; &amp; &lt;@U123&gt;');
  });
});

describe('executive digest', () => {
  const open = incident({
    id: 7,
    ref: 'INC-7',
    services: ['checkout', 'api'],
    severity: 'high',
    status: 'monitoring',
    impact: 'Slow <pages>',
  });
  const resolved = incident({
    id: 5,
    ref: 'INC-5',
    services: ['website'],
    severity: 'medium',
    status: 'resolved',
    resolvedAt: T0.plus({ minutes: 45 }),
  });
  const input = {
    orgName: 'Acme',
    publicUrl: 'https://status.acme.example',
    from: T0.minus({ days: 1 }),
    to: T0,
    serviceNames: { checkout: 'Checkout', api: 'Public API', website: 'Website' },
  };

  test('open incidents, those resolved since, MTTA and MTTR', () => {
    const r = buildDigest({
      ...input,
      data: { open: [open], resolved: [resolved], mttaSeconds: 270, mttrSeconds: 3900 },
    });
    const out = all(r);
    expect(r.text).toBe(
      'Acme incident digest: 1 open, 1 resolved; average time to respond 5 min, to restore 1 h 5 min.',
    );
    expect(out).toContain('*1* open now · *1* resolved since the last digest');
    expect(out).toContain('Average time to respond: *5 min* · average time to restore: *1 h 5 min*');
    expect(out).toContain('• *Checkout and Public API*: significant disruption since');
    expect(out).toContain(
      'A fix is in place; we are watching to confirm it holds. Impact: Slow &lt;pages&gt; (INC-7)',
    );
    expect(out).toContain('• *Website*: partial disruption, restored after 45 min (INC-5)');
    expect(out).not.toContain('db-primary-3');
  });

  test('a quiet period says so, and means without data read n/a', () => {
    const out = all(
      buildDigest({ ...input, data: { open: [], resolved: [], mttaSeconds: null, mttrSeconds: null } }),
    );
    expect(out).toContain('No open incidents.');
    expect(out).toContain('Average time to respond: *n/a*');
  });
});
