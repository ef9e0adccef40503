import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { CONFIG_YAML, get, startStatusPage, TOKEN, type Harness } from './support/harness';
import { injectedMarkup, missing, present } from './support/markup';

/** Strings that try to break out of HTML text, attributes, URLs and XML, plus non-ASCII text. */
const CORPUS = {
  script: '<script>alert("x")</script>',
  attr: '"><img src=x onerror=alert(1)>',
  single: "' onmouseover='alert(1)' x='",
  js: 'javascript:alert(document.cookie)',
  cdata: ']]><evil/>',
  unicode: 'Zażółć gęślą jaźń — 日本語 🚨 \u202Eevil',
};
const INTERNAL = 'INTERNAL-NOTE-7f3a';

let t: TestDatabase;
let h: Harness;
const clock = new ManualClock('2026-11-26T12:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  const yaml = CONFIG_YAML.replace('name: Documentation', `name: '${CORPUS.attr.replace(/'/g, "''")}'`);
  h = await startStatusPage({ db: t, clock, configYaml: yaml });
  const a = await h.incidents.declare(
    { title: CORPUS.script, severity: 'critical', services: ['api'], description: `${INTERNAL} description` },
    'alice',
  );
  clock.advance({ minutes: 3 });
  await h.incidents.acknowledge(a.ref, 'bob');
  clock.advance({ minutes: 2 });
  await h.incidents.update(
    a.ref,
    {
      message: `${INTERNAL} ${CORPUS.script}`,
      publicMessage: `${CORPUS.attr} ${CORPUS.js} see https://example.com/x?a=1&b=2.`,
      commander: 'carol',
    },
    'bob',
  );
  await h.incidents.update(a.ref, { message: 'x', publicMessage: CORPUS.single }, 'bob');
  const b = await h.incidents.declare(
    { title: CORPUS.unicode, severity: 'medium', services: ['checkout'] },
    'alice',
  );
  await h.incidents.update(b.ref, { message: INTERNAL, publicMessage: CORPUS.cdata }, 'alice');
});
afterAll(async () => {
  await h.close();
  await t.drop();
});

function assertNoInjectedMarkup(html: string): void {
  expect(injectedMarkup(html)).toEqual([]);
}

describe('public page rendering', () => {
  it('has a markup check that catches injected tags, handlers and script URLs', () => {
    expect(injectedMarkup('<p><img src=x onerror=alert(1)></p>')).toEqual([
      'tag <img>',
      'src="x" on <img>',
      'attribute onerror on <img>',
    ]);
    expect(injectedMarkup('<a href="javascript:alert(1)">x</a>')).toEqual([
      'href="javascript:alert(1)" on <a>',
    ]);
    expect(injectedMarkup('<p>&lt;script></p>')).toEqual([]);
  });

  it('escapes every user-supplied string and never shows internal notes', async () => {
    const res = await get(`${h.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    assertNoInjectedMarkup(res.text);
    expect(missing(res.text, '&lt;script>alert(&quot;x&quot;)&lt;/script>')).toEqual([]);
    expect(missing(res.text, '&quot;>&lt;img src=x onerror=alert(1)>')).toEqual([]);
    expect(missing(res.text, CORPUS.unicode)).toEqual([]);
    expect(missing(res.text, ']]>&lt;evil/>')).toEqual([]);
    expect(present(res.text, INTERNAL, 'bob')).toEqual([]); // notes and responders are internal
    // an http(s) URL in a public message becomes a link; javascript: stays text
    expect(
      missing(res.text, '<a href="https://example.com/x?a=1&amp;b=2" rel="nofollow noopener noreferrer">'),
    ).toEqual([]);
    expect(missing(res.text, 'javascript:alert(document.cookie)')).toEqual([]);
  });

  it('renders a component name from configuration as text', async () => {
    const res = await get(`${h.url}/`);
    expect(missing(res.text, '<span class="cname">&quot;>&lt;img src=x onerror=alert(1)></span>')).toEqual(
      [],
    );
  });

  it('escapes the single incident page and 404s unknown incidents', async () => {
    const ok = await get(`${h.url}/incidents/INC-1`);
    expect(ok.status).toBe(200);
    assertNoInjectedMarkup(ok.text);
    expect(present(ok.text, INTERNAL)).toEqual([]);
    expect((await get(`${h.url}/incidents/INC-999`)).status).toBe(404);
    expect((await get(`${h.url}/incidents/nope`)).status).toBe(400);
  });

  it('keeps the JSON API free of internal notes while carrying the text verbatim', async () => {
    const res = await get(`${h.url}/api/v2/incidents.json`);
    expect(present(res.text, INTERNAL)).toEqual([]);
    const body = JSON.parse(res.text) as {
      incidents: { name: string; incident_updates: { body: string }[] }[];
    };
    expect(body.incidents.map((i) => i.name).sort()).toEqual([CORPUS.script, CORPUS.unicode].sort());
    expect(body.incidents.flatMap((i) => i.incident_updates.map((u) => u.body))).toContain(CORPUS.cdata);
  });
});

describe('internal page rendering', () => {
  it('shows internal notes, responders and acknowledgement, still escaped', async () => {
    const res = await get(`${h.url}/internal`, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    assertNoInjectedMarkup(res.text);
    expect(missing(res.text, INTERNAL)).toEqual([]);
    expect(missing(res.text, 'Acknowledged by bob')).toEqual([]);
    expect(missing(res.text, '<strong>Commander</strong> carol')).toEqual([]);
    expect(missing(res.text, 'Not acknowledged')).toEqual([]); // the unicode incident
    expect(missing(res.text, 'Delivery health is not available')).toEqual([]);
    expect(missing(res.text, '<svg viewBox="0 0 600 170" role="img" aria-labelledby="c-sev">')).toEqual([]);
    expect(missing(res.text, '2 incidents')).toEqual([]);
  });
});
