import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { z } from 'zod';
import { parse } from '../http/validate';
import { isHeraldError, HTTP_STATUS } from '../common/errors';
import { HTML_SECURITY_HEADERS } from './http-cache';
import { html, HTML } from './render';
import type { RequestLimits } from './request-limits';
import type { SubscriberService } from './subscriber.service';
import { MessagePage, TokenForm } from './views/simple-pages';

const emailBody = z.object({ email: z.email({ message: 'must be an email address' }).max(254) });
const tokenField = z.string().min(10).max(200);

type Body = Record<string, unknown> | undefined;

const wantsJson = (req: FastifyRequest): boolean =>
  String(req.headers['content-type'] ?? '').startsWith('application/json');

/**
 * The public subscription flow: `POST /subscribe` (form or JSON), `GET|POST /subscribe/confirm`,
 * `GET|POST /unsubscribe`. GETs only show a page with a button; POSTs change state. The POST to
 * `/unsubscribe?token=…` is also RFC 8058's one-click unsubscribe (body `List-Unsubscribe=One-Click`).
 * Coded errors become an HTML page for forms and JSON for JSON callers. The POSTs that send or
 * change something are rate limited per client address (`req.ip`, see `http.trust_proxy`) and
 * overall: 429 with Retry-After, before the body is even looked at.
 */
export function registerSubscribeRoutes(
  app: FastifyInstance,
  deps: { subscribers: SubscriberService; site: string; limits: RequestLimits },
): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  const page = (reply: FastifyReply, status: number, heading: string, children: ComponentChildren) =>
    reply
      .code(status)
      .headers({ ...HTML_SECURITY_HEADERS, 'cache-control': 'no-store' })
      .type(HTML)
      .send(
        html(
          <MessagePage site={deps.site} heading={heading}>
            {children}
          </MessagePage>,
        ),
      );

  /** Coded errors as a page (the error boundary answers JSON callers). */
  const guard =
    (handler: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await handler(req, reply);
      } catch (err) {
        if (!isHeraldError(err) || wantsJson(req)) throw err;
        const heading = err.code === 'NotFound' ? 'Link not valid' : 'Please check your input';
        return page(reply, HTTP_STATUS[err.code], heading, <p>{err.message}</p>);
      }
    };

  /** Over a limit: the answer (429 + Retry-After); else undefined and the request goes on. */
  const limited = (req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const wait = deps.limits.take(req.ip);
    if (wait === 0) return undefined;
    const message = `Too many requests; please try again in ${wait} s.`;
    reply.header('retry-after', String(wait));
    if (wantsJson(req))
      return reply
        .code(429)
        .header('cache-control', 'no-store')
        .send({ error: { code: 'RateLimited', message } });
    return page(reply, 429, 'Too many requests', <p>{message}</p>);
  };

  const tokenOf = (req: FastifyRequest): string => {
    const fromBody = (req.body as Body)?.token;
    const fromQuery = (req.query as Record<string, unknown> | undefined)?.token;
    return parse(tokenField, typeof fromBody === 'string' ? fromBody : fromQuery, 'token');
  };

  app.post(
    '/subscribe',
    guard(async (req, reply) => {
      const refused = limited(req, reply);
      if (refused) return refused;
      const { email } = parse(emailBody, { email: String((req.body as Body)?.email ?? '').trim() });
      await deps.subscribers.subscribe(email);
      const message =
        'If this address is not subscribed yet, a confirmation email is on its way. Follow its link to confirm.';
      if (wantsJson(req))
        return reply.code(202).header('cache-control', 'no-store').send({ status: 'pending', message });
      return page(reply, 202, 'Check your inbox', <p>{message}</p>);
    }),
  );

  app.get(
    '/subscribe/confirm',
    guard(async (req, reply) => {
      const token = tokenOf(req);
      return page(
        reply,
        200,
        'Confirm your subscription',
        <>
          <p>Press the button to start receiving incident updates by email.</p>
          <TokenForm action="/subscribe/confirm" token={token} label="Confirm subscription" />
        </>,
      );
    }),
  );

  app.post(
    '/subscribe/confirm',
    guard(async (req, reply) => {
      const { already } = await deps.subscribers.confirm(tokenOf(req));
      if (wantsJson(req)) return reply.send({ status: 'confirmed', already_confirmed: already });
      return page(
        reply,
        200,
        'You are subscribed',
        <p>You will receive an email when we post an incident update.</p>,
      );
    }),
  );

  app.get(
    '/unsubscribe',
    guard(async (req, reply) => {
      const token = tokenOf(req);
      if ((await deps.subscribers.verifyUnsubscribeToken(token)) === null) {
        return page(reply, 404, 'Link not valid', <p>This unsubscribe link is invalid.</p>);
      }
      return page(
        reply,
        200,
        'Unsubscribe',
        <>
          <p>Press the button to stop receiving incident updates by email.</p>
          <TokenForm action="/unsubscribe" token={token} label="Unsubscribe" danger />
        </>,
      );
    }),
  );

  app.post(
    '/unsubscribe',
    guard(async (req, reply) => {
      const refused = limited(req, reply);
      if (refused) return refused;
      await deps.subscribers.unsubscribe(tokenOf(req));
      if (wantsJson(req)) return reply.send({ status: 'unsubscribed' });
      return page(
        reply,
        200,
        'You are unsubscribed',
        <p>You will not receive any more incident emails from us.</p>,
      );
    }),
  );
}
