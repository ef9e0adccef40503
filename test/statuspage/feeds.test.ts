import { parseFeed } from '@rowanmanning/feed-parser';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { changed, get, PUBLIC_URL, startStatusPage, type Harness } from './support/harness';

let t: TestDatabase;
let h: Harness;
const clock = new ManualClock('2026-11-26T12:00:00Z');
const NASTY = '<script>alert(1)</script> ]]> & \u0007bell 🚨';

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startStatusPage({ db: t, clock });
  const a = await h.incidents.declare(
    { title: 'API latency', severity: 'medium', services: ['api'] },
    'alice',
  );
  clock.advance({ minutes: 5 });
  await h.incidents.update(
    a.ref,
    { message: 'INTERNAL-xyz', publicMessage: 'We are looking into slow responses.' },
    'alice',
  );
  clock.advance({ minutes: 30 });
  await h.incidents.resolve(a.ref, { publicMessage: 'Latency is back to normal.' }, 'alice');
  clock.advance({ hours: 1 });
  await changed(h, () =>
    h.incidents.declare({ title: NASTY, severity: 'critical', services: ['checkout'] }, 'alice'),
  );
});
afterAll(async () => {
  await h.close();
  await t.drop();
});

describe('incident feeds', () => {
  for (const [path, type, contentType] of [
    ['/history.atom', 'atom', 'application/atom+xml; charset=utf-8'],
    ['/history.rss', 'rss', 'application/rss+xml; charset=utf-8'],
  ] as const) {
    it(`serves ${path} that a feed parser reads, newest incident first`, async () => {
      const res = await get(`${h.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(contentType);
      expect(res.headers.get('etag')).toBeTruthy();
      expect(res.text.includes('INTERNAL-xyz')).toBe(false);
      expect(res.text.includes('\u0007')).toBe(false); // not allowed in XML 1.0

      const feed = parseFeed(res.text);
      expect(feed.meta.type).toBe(type);
      expect(feed.title).toBe('Acme Status – incident history');
      expect(feed.url).toBe(`${PUBLIC_URL}/`);
      expect(feed.items).toHaveLength(2);
      const [newest, older] = feed.items;
      expect(newest?.url).toBe(`${PUBLIC_URL}/incidents/INC-2`);
      expect(older?.url).toBe(`${PUBLIC_URL}/incidents/INC-1`);
      expect(older?.title).toBe('API latency');
      const html = older?.content ?? older?.description ?? '';
      expect(html).toContain('Latency is back to normal.');
      expect(html).toContain('We are looking into slow responses.');
      expect(html.indexOf('Latency is back')).toBeLessThan(html.indexOf('looking into'));
      // Atom: updated = last change, published = start; RSS has one date, the start
      if (type === 'atom') expect(older?.updated?.toISOString()).toBe('2026-11-26T12:35:00.000Z');
      expect(older?.published?.toISOString()).toBe('2026-11-26T12:00:00.000Z');
      // a hostile title is escaped HTML in the XML (never live markup) and reads back as the text
      expect(res.text.includes('<script>')).toBe(false);
      expect(newest?.title).toBe(NASTY.replace('\u0007', ''));
    });
  }

  it('changes when an incident changes', async () => {
    const before = await get(`${h.url}/history.atom`);
    clock.advance({ minutes: 1 });
    await changed(h, () =>
      h.incidents.update('INC-2', { message: 'x', publicMessage: 'Card payments fail.' }, 'alice'),
    );
    const after = await get(`${h.url}/history.atom`, { 'if-none-match': before.headers.get('etag') ?? '' });
    expect(after.status).toBe(200);
    expect(parseFeed(after.text).items[0]?.content).toContain('Card payments fail.');
  });
});
