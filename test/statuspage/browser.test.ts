import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { ManualClock } from '../../src/common/clock';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { call } from '../support/http';
import { changed, RecordingMailer, startStatusPage, TOKEN, type Harness } from './support/harness';

/**
 * Debian's Chromium (apt-get install chromium) loads the pages as a person would, with JavaScript
 * off for the public page (it must work without it), and saves screenshots under test-artifacts/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NOTE = 'INTERNAL: primary db failed over to replica-2';

let t: TestDatabase;
let h: Harness;
let browser: Browser;
const clock = new ManualClock('2026-11-26T14:00:00Z');
const mailer = new RecordingMailer();

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  t = await createTestDatabase();
  h = await startStatusPage({ db: t, clock, mailer });

  // history: a resolved partial outage three days ago, a degraded day last week
  clock.set('2026-11-23T09:00:00Z');
  const old = await h.incidents.declare(
    { title: 'Elevated API errors', severity: 'high', services: ['api'] },
    'alice',
  );
  clock.set('2026-11-23T10:30:00Z');
  await h.incidents.resolve(old.ref, { publicMessage: 'Error rates are back to normal.' }, 'alice');
  clock.set('2026-11-18T16:00:00Z');
  const slow = await h.incidents.declare(
    { title: 'Slow page loads', severity: 'medium', services: ['website'] },
    'bob',
  );
  clock.set('2026-11-18T19:00:00Z');
  await h.incidents.resolve(slow.ref, { publicMessage: 'Pages load normally again.' }, 'bob');

  clock.set('2026-11-26T13:20:00Z');
  const live = await h.incidents.declare(
    { title: 'Card payments failing', severity: 'critical', services: ['checkout'] },
    'alice',
  );
  clock.set('2026-11-26T13:24:00Z');
  await h.incidents.acknowledge(live.ref, 'bob');
  clock.set('2026-11-26T13:40:00Z');
  await h.incidents.update(
    live.ref,
    {
      status: 'identified',
      message: NOTE,
      publicMessage: 'We identified a problem with our payment provider and are working on a fix.',
      commander: 'carol',
    },
    'bob',
  );
  await h.module.maintenances.schedule(
    {
      title: 'Database upgrade',
      components: ['api'],
      startsAt: DateTime.fromISO('2026-11-28T22:00:00Z'),
      endsAt: DateTime.fromISO('2026-11-28T23:00:00Z'),
      message: 'The API will be read-only for up to 10 minutes.',
    },
    'dana',
  );
  clock.set('2026-11-26T14:00:00Z');
  await changed(h, () => h.incidents.update(live.ref, { message: 'still working on it' }, 'bob'));

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await t?.drop();
});

/** WCAG contrast ratios of the page's key text against its effective background. */
async function lowContrast(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r = 0, g = 0, b = 0]: number[]) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const bg = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] !== 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    return els.flatMap((el) => {
      const fg = lum(parse(getComputedStyle(el).color));
      const back = lum(bg(el));
      const ratio = (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05);
      return ratio < 4.5
        ? [`${el.tagName}.${el.className} "${el.textContent?.slice(0, 30)}" ${ratio.toFixed(2)}`]
        : [];
    });
  });
}

describe('status pages in Chromium', () => {
  it('shows a person the public page without JavaScript', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const res = await page.goto(`${h.url}/`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('Acme Status: Major System Outage');
    await expect(
      page.getByRole('heading', { level: 2, name: 'Major System Outage' }).isVisible(),
    ).resolves.toBe(true);
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.getByRole('banner').count()).toBe(1);
    expect(await page.getByRole('contentinfo').count()).toBe(1);
    expect(await page.getByRole('navigation').count()).toBe(1);

    const active = page.getByRole('article', { name: 'Card payments failing' });
    expect(await active.isVisible()).toBe(true);
    expect(await active.innerText()).toContain('We identified a problem with our payment provider');
    const body = await page.locator('body').innerText();
    expect(body.includes('INTERNAL')).toBe(false);
    expect(body.includes('carol')).toBe(false);
    expect(body).toContain('Database upgrade');
    expect(body).toContain('Elevated API errors');

    const checkout = page.locator('.component', { hasText: 'Checkout' });
    expect(await checkout.locator('.cstatus').innerText()).toBe('Major outage');
    // the uptime bar is one image with a text alternative naming the bad days
    const bar = page.getByRole('img', {
      name: /^Public API, last 90 days: 99\.\d\d % uptime\. 1 day with incidents: 23 Nov 2026: partial outage 1 h 30 min/,
    });
    expect(await bar.isVisible()).toBe(true);
    expect(
      await lowContrast(
        page,
        'h1, h2, h3, p, li, .cname, .cstatus, .tag, .legend span, footer a, button, label',
      ),
    ).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'statuspage-public.png'), fullPage: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'statuspage-public-top.png') });

    // subscribing works with a plain form post
    await page.getByLabel('Email address').fill('reader@example.com');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    expect(mailer.confirmations.map((c) => c.email)).toEqual(['reader@example.com']);
    await page.goto(mailer.confirmations[0]?.confirmUrl.replace('https://status.example.com', h.url) ?? '');
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    await context.close();
  });

  it('fits a phone screen', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    const page = await context.newPage();
    await page.goto(`${h.url}/`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // phones show the last 30 days of the bar
    const bar = page.getByRole('img', { name: /^Public API, last 90 days/ });
    expect(await bar.isVisible()).toBe(true);
    expect(await bar.locator('span:visible').count()).toBe(30);
    expect(await page.locator('.legend .d30').first().innerText()).toBe('30 days ago');
    await page.screenshot({ path: path.join(ARTIFACTS, 'statuspage-phone.png'), fullPage: true });
    await context.close();
  });

  it('asks for credentials on /internal and shows responders, notes and charts once given', async () => {
    const anonymous = await browser.newContext();
    // the 401 carries a Basic challenge; headless Chromium, having no credentials, gives up on it
    await expect((await anonymous.newPage()).goto(`${h.url}/internal`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    await anonymous.close();

    const context = await browser.newContext({
      httpCredentials: { username: 'ops', password: TOKEN },
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const res = await page.goto(`${h.url}/internal`);
    expect(res?.status()).toBe(200);
    const incident = page.getByRole('article', { name: 'Card payments failing' });
    expect(await incident.innerText()).toContain('Acknowledged by bob');
    expect(await incident.innerText()).toContain('Commander carol');
    await incident.getByText('Full timeline with internal notes').click();
    expect(await incident.getByText(NOTE).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Delivery health (last 24 h)' }).isVisible()).toBe(true);
    expect(
      await page
        .getByRole('img', { name: /^Incidents per day by severity, last 30 days: 3 in total/ })
        .isVisible(),
    ).toBe(true);
    expect(await page.getByRole('img', { name: /^MTTA per day/ }).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: /^MTTR: 2 h/ }).isVisible()).toBe(true);
    expect(await lowContrast(page, 'h1, h2, h3, p, td, th, .tag')).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'statuspage-internal.png'), fullPage: true });
    await page.locator('#trends').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'statuspage-internal-charts.png') });
    await context.close();

    // the JSON a widget would fetch agrees with what the page showed
    const summary = (await call(`${h.url}/api/v2/summary.json`)).body as { status: { indicator: string } };
    expect(summary.status.indicator).toBe('critical');
  });
});
