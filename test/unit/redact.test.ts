import { REDACTED_VALUE, redactSecrets, SECRET_PATH_PREFIXES } from '../../src/common/redact';
import { captureLogs } from '../support/logs';

const R = REDACTED_VALUE;

describe('redactSecrets', () => {
  it.each([
    ['/hooks/sns?token=abc123', `/hooks/sns?token=${R}`],
    ['/subscribe/confirm?token=abc&x=1', `/subscribe/confirm?token=${R}&x=1`],
    ['/unsubscribe?page=2&token=7.sig#frag', `/unsubscribe?page=2&token=${R}#frag`],
    [
      '/x?api_key=k&client_secret=s&X-Amz-Signature=f&Password=p',
      `/x?api_key=${R}&client_secret=${R}&X-Amz-Signature=${R}&Password=${R}`,
    ],
    ['/x?page=2&q=monkey', '/x?page=2&q=monkey'], // "key" inside a value is not a name
    ['/x?keyboard=1', `/x?keyboard=${R}`], // a name containing "key": redacted (errs on the safe side)
    ['/x?token=', '/x?token='],
    ['/ack/eyJpIjoxfQ.c2ln', `/ack/${R}`],
    ['/ACK/eyJpIjoxfQ.c2ln?x=1', `/ACK/${R}?x=1`],
    ['/hooks/twilio/voice/tok123?CallSid=CA1', `/hooks/twilio/voice/${R}?CallSid=CA1`],
    ['/hooks/twilio/gather/tok123', `/hooks/twilio/gather/${R}`],
    ['/hooks/heartbeat/hb-id-secret', `/hooks/heartbeat/${R}`],
    ['/calendar/sched/tok.ics', `/calendar/${R}`],
    ['/ack/', '/ack/'],
    ['/login?next=/ack/tok1', `/login?next=/ack/${R}`],
    ['?x&/ack/tok1', `?x&/ack/${R}`],
    ['/acknowledge/INC-1', '/acknowledge/INC-1'],
    ['/api/v1/incidents/INC-1/acknowledge', '/api/v1/incidents/INC-1/acknowledge'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('finds URLs inside text: JSON strings, messages, stacks', () => {
    const line = JSON.stringify({
      req: { url: '/hooks/sns?token=s1' },
      msg: 'GET https://h.example/ack/t2 failed; see http://x/?secret=s3 and "/unsubscribe?token=s4"',
    });
    const out = redactSecrets(line);
    for (const s of ['s1', 't2', 's3', 's4']) expect(out).not.toContain(s);
    expect(JSON.parse(out)).toEqual({
      req: { url: `/hooks/sns?token=${R}` },
      msg: `GET https://h.example/ack/${R} failed; see http://x/?secret=${R} and "/unsubscribe?token=${R}"`,
    });
  });

  it('returns the same string when there is nothing to redact', () => {
    const text = '{"msg":"request completed","url":"/api/v2/status.json?x=1"}';
    expect(redactSecrets(text)).toBe(text);
  });

  it('handles 100,000 characters of separators and prefixes with the same result as a plain reference', () => {
    // Every character is a query separator or starts a secret prefix: the shapes a backtracking
    // pattern would rescan. The scanner reads each character a bounded number of times.
    const hostile = `${'?&'.repeat(20_000)}${'/ack'.repeat(10_000)}?token=${'a'.repeat(20_000)}`;
    const out = redactSecrets(hostile);
    expect(out).toBe(`${'?&'.repeat(20_000)}/ack/${R}?token=${R}`);
    const paths = SECRET_PATH_PREFIXES.join('x').repeat(2_000);
    expect(redactSecrets(paths)).toBe(`/ack/${R}`); // the rest of a secret path, whatever it holds
  });
});

describe('the logger', () => {
  it('redacts URLs in fastify-style request lines, errors and messages, at every level', () => {
    const logs = captureLogs('trace');
    logs.logger.trace({ req: { method: 'GET', url: '/ack/SECRET-A', headers: {} } }, 'incoming request');
    logs.logger.child({ reqId: 'r1' }).error(new Error('failed POST /hooks/sns?token=SECRET-B'), 'boom');
    logs.logger.info('confirm at https://status.example.com/subscribe/confirm?token=SECRET-C');
    const text = logs.text();
    expect(text).not.toMatch(/SECRET-/);
    expect(logs.lines()).toEqual([
      expect.objectContaining({ req: { method: 'GET', url: `/ack/${R}` } }),
      expect.objectContaining({
        err: expect.objectContaining({ message: `failed POST /hooks/sns?token=${R}` }),
      }),
      expect.objectContaining({ msg: `confirm at https://status.example.com/subscribe/confirm?token=${R}` }),
    ]);
  });
});
