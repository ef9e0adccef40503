import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../src/config';
import { plan, ruleMatches } from '../../src/notifications/rules';

const yaml = `
organization: { name: Acme }
slack: { incidents_channel: C0INC }
services:
  - { id: api }
  - { id: checkout }
people:
  - { id: tess, name: Tess, slack_user_id: U0TESS, email: tess@example.com, phone: '+15555550101', audience: technical, contact_order: [slack, sms, email] }
  - { id: tom, name: Tom, email: tom@example.com, audience: technical }
  - { id: eve, name: Eve, slack_user_id: U0EVE, audience: executive }
  - { id: bob, name: Bob, email: bob@example.com, audience: business }
groups:
  - { id: payments, members: [tom] }
webhooks:
  - { id: bus, url: 'https://hooks.example.com/herald' }
rules:
  - name: page
    when: { severity_at_least: high, events: [declared, escalated, acknowledged, resolved] }
    notify: { audiences: [technical], channels: [slack, sms, pagerduty] }
  - name: checkout-team
    when: { services: [checkout] }
    notify: { groups: [payments], people: [tess], channels: [email, slack] }
  - name: execs
    when: { severity: [critical], events: [declared, resolved] }
    notify: { audiences: [executive, business], channels: [slack, email] }
  - name: machines
    when: { events: [declared] }
    notify: { channels: [webhook, console, statuspage, slack_channel], webhooks: [bus] }
`;
const file = parseConfigText(yaml, {}, 'rules.yml').file;
const keys = (ds: ReturnType<typeof plan>) =>
  ds.map((d) => `${d.rule}/${d.recipientKind}:${d.recipientId}/${d.channel}`);

describe('rule matching', () => {
  const [page, checkout, execs] = file.rules;
  it('matches severity at least, exact severities, services and events', () => {
    expect(
      ruleMatches(page!, { incident: { severity: 'critical', services: [] }, eventKind: 'declared' }),
    ).toBe(true);
    expect(ruleMatches(page!, { incident: { severity: 'high', services: [] }, eventKind: 'declared' })).toBe(
      true,
    );
    expect(
      ruleMatches(page!, { incident: { severity: 'medium', services: [] }, eventKind: 'declared' }),
    ).toBe(false);
    expect(
      ruleMatches(page!, { incident: { severity: 'critical', services: [] }, eventKind: 'updated' }),
    ).toBe(false);
    expect(ruleMatches(execs!, { incident: { severity: 'high', services: [] }, eventKind: 'declared' })).toBe(
      false,
    );
    expect(
      ruleMatches(checkout!, {
        incident: { severity: 'info', services: ['api', 'checkout'] },
        eventKind: 'updated',
      }),
    ).toBe(true);
    expect(
      ruleMatches(checkout!, { incident: { severity: 'info', services: ['api'] }, eventKind: 'updated' }),
    ).toBe(false);
  });
});

describe('plan', () => {
  it('fans a critical checkout declaration out to people, places and audiences, without duplicates', () => {
    const ds = plan(
      file,
      { incident: { severity: 'critical', services: ['checkout'] }, eventKind: 'declared' },
      { snsTopicArn: undefined },
    );
    expect(keys(ds)).toEqual([
      'page/person:tess/slack',
      'page/person:tess/sms', // tom has no slack and no phone: nothing to send to on those
      'page/pagerduty:env/pagerduty',
      'checkout-team/person:tess/email',
      'checkout-team/person:tom/email',
      'execs/person:eve/slack',
      'execs/person:bob/email',
      'machines/webhook:bus/webhook',
      'machines/console:log/console',
      'machines/statuspage:public/statuspage',
      'machines/slack_channel:C0INC/slack_channel',
    ]);
    const tessSms = ds.find((d) => d.recipientId === 'tess' && d.channel === 'sms')!;
    expect(tessSms).toMatchObject({ address: '+15555550101', audience: 'technical', contactRank: 1 });
    expect(ds.find((d) => d.recipientId === 'eve')).toMatchObject({
      audience: 'executive',
      address: 'U0EVE',
    });
    expect(ds.find((d) => d.channel === 'webhook')).toMatchObject({
      address: 'https://hooks.example.com/herald',
    });
  });

  it('sends PagerDuty only the events it has an action for', () => {
    const ack = plan(file, { incident: { severity: 'high', services: [] }, eventKind: 'acknowledged' });
    expect(keys(ack)).toEqual([
      'page/person:tess/slack',
      'page/person:tess/sms',
      'page/pagerduty:env/pagerduty',
    ]);
    const update = plan(file, {
      incident: { severity: 'high', services: ['checkout'] },
      eventKind: 'status_changed',
    });
    expect(keys(update)).toEqual([
      'checkout-team/person:tess/email',
      'checkout-team/person:tom/email',
      'checkout-team/person:tess/slack',
    ]);
  });

  it('plans nothing when no rule matches', () => {
    expect(plan(file, { incident: { severity: 'low', services: ['api'] }, eventKind: 'updated' })).toEqual(
      [],
    );
  });

  it('plans the shipped example without errors and always includes the console line', () => {
    const example = parseConfigText(readFileSync('herald.example.yml', 'utf8'), {}, 'example').file;
    const ds = plan(example, { incident: { severity: 'info', services: [] }, eventKind: 'updated' });
    expect(ds.some((d) => d.channel === 'console')).toBe(true);
  });
});
