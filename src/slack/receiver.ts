import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions as http,
  HTTPResponseAck,
  type App,
  type BufferedIncomingMessage,
  type Logger as BoltLogger,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { EVENTS_PATH } from './ids';

/** Slack's own bound: a request more than 5 minutes from now, either way, is refused. */
const MAX_SKEW_SECONDS = 5 * 60;
/** Block Kit payloads (a modal with state) stay well under this. */
const BODY_LIMIT = 1024 * 1024;

export interface FastifyReceiverOptions {
  signingSecret: string;
  logger: BoltLogger;
  /**
   * Wall-clock milliseconds for the timestamp check. Bolt's stale-request check reads the real
   * clock, so the future check must too (not the injected domain Clock); tests may pin it.
   */
  nowMs?: () => number;
}

/**
 * Bolt on Herald's fastify server (see docs/ARCHITECTURE.md, "Slack"): Bolt's HTTPReceiver request
 * path, rebuilt from Bolt's exported pieces so signature checks, ssl_check, url_verification,
 * retry headers (`context.retryNum`) and the 3-second ack stay Bolt's. The route gets a raw-buffer
 * body parser of its own (the signature covers the exact bytes) and hijacks the reply, writing
 * the raw response as Bolt does. Also refuses timestamps more than 5 minutes in the future, which
 * Bolt accepts.
 */
export class FastifyReceiver implements Receiver {
  private app: App | undefined;
  private readonly nowMs: () => number;

  constructor(private readonly opts: FastifyReceiverOptions) {
    this.nowMs = opts.nowMs ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  /** The HTTP server is Herald's; there is nothing to start or stop here. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Adds `POST /slack/events` to an encapsulated fastify scope (its parsers stay in it). */
  register(scope: FastifyInstance): void {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(EVENTS_PATH, { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      reply.hijack();
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      await this.handle(request.raw, reply.raw, body);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, rawBody: Buffer): Promise<void> {
    const { logger, signingSecret } = this.opts;
    (req as BufferedIncomingMessage).rawBody = rawBody;
    let buffered: BufferedIncomingMessage;
    try {
      buffered = await http.parseAndVerifyHTTPRequest({ signingSecret, logger }, req);
    } catch (err) {
      logger.warn(`Slack request refused: ${(err as Error).message}`);
      return http.buildNoBodyResponse(res, 401);
    }

    let body: Record<string, unknown>;
    try {
      body = http.parseHTTPRequestBody(buffered) as Record<string, unknown>;
    } catch (err) {
      logger.warn(`Malformed Slack request body: ${(err as Error).message}`);
      return http.buildNoBodyResponse(res, 400);
    }
    if (!isShapedLikeSlack(body)) {
      // Signed, but not a payload Slack sends: Bolt would throw on it (500) or never answer.
      logger.warn('Slack request refused: body is not an object with an object event');
      return http.buildNoBodyResponse(res, 400);
    }
    if (body.ssl_check === '1') return http.buildSSLCheckResponse(res);
    if (this.fromTheFuture(req)) {
      logger.warn('Slack request refused: x-slack-request-timestamp is more than 5 minutes in the future');
      return http.buildNoBodyResponse(res, 401);
    }
    if (body.type === 'url_verification') return http.buildUrlVerificationResponse(res, body);

    const ack = new HTTPResponseAck({
      logger,
      processBeforeResponse: false,
      httpRequest: buffered,
      httpRequestBody: body,
      httpResponse: res,
    });
    const event: ReceiverEvent = {
      body,
      ack: ack.bind(),
      retryNum: http.extractRetryNumFromHTTPRequest(req),
      retryReason: http.extractRetryReasonFromHTTPRequest(req),
      customProperties: {},
    };
    try {
      if (!this.app) throw new Error('FastifyReceiver used before Bolt initialised it');
      await this.app.processEvent(event);
      if (ack.storedResponse !== undefined) http.buildContentResponse(res, ack.storedResponse);
    } catch (error) {
      const handled = await http.defaultProcessEventErrorHandler({
        error: error as Error,
        logger,
        request: req,
        response: res,
        storedResponse: ack.storedResponse,
      });
      if (handled) ack.ack();
    }
  }

  private fromTheFuture(req: IncomingMessage): boolean {
    const header = req.headers['x-slack-request-timestamp'];
    const seconds = Number(Array.isArray(header) ? header[0] : header);
    return Number.isFinite(seconds) && seconds > Math.floor(this.nowMs() / 1000) + MAX_SKEW_SECONDS;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack bodies are objects; an `event` (Events API) is an object, and so is its `item`. */
function isShapedLikeSlack(body: unknown): body is Record<string, unknown> {
  if (!isObject(body)) return false;
  if (body.event === undefined) return true;
  if (!isObject(body.event)) return false;
  return body.event.item === undefined || isObject(body.event.item);
}
