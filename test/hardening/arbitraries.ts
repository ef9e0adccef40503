import fc from 'fast-check';

/**
 * Generators of hostile input: the strings attackers and broken clients send, JSON of any shape,
 * bodies under the wrong content type, junk in path parameters, query strings and headers.
 */
export const INJECTIONS = [
  "' OR 1=1 --",
  "'; drop table incidents; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '\u0000',
  'a\u0000b',
  '../../etc/passwd',
  '${7*7}',
  '{{7*7}}',
  '%s%s%s%n',
  '\u202etxt.exe',
  '💥🔥 Ünïcödé 日本語 ',
  '\ud800',
  'lone low \udc00 surrogate',
  'half an emoji \ud83d',
  '*bold* <!channel> <@U123|x> &amp;',
  '-1',
  '1e309',
  'NaN',
  '   ',
  '',
] as const;

/** Strings from 100 to 300 KB: over most body limits, under the 1 MB Slack one. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...INJECTIONS.filter((s) => s.length > 0)),
    fc.integer({ min: 100_000, max: 300_000 }),
  )
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));

export const junkText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...INJECTIONS), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ minLength: 201, maxLength: 12_000 }), weight: 1 },
  { arbitrary: hugeText, weight: 1 },
);

/** A JSON value of the wrong type for any field (or, by chance, the right one). */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: junkText, weight: 5 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
  {
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      0,
      -1,
      1e308,
      -1e308,
      2 ** 31,
      2 ** 53 + 1,
      1e20,
      0.5,
      [],
      {},
      ['api'],
      'high',
      'INC-1',
      '2026-11-26T21:30:00Z',
      '9999-12-31T23:59:59Z',
      '0000-01-01T00:00:00+99:99',
    ),
    weight: 3,
  },
  { arbitrary: fc.array(junkText, { maxLength: 4 }), weight: 1 },
);

/** Objects made of a route's own field names (and strangers) holding junk. */
export function junkObject(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = fields.length
    ? fc.oneof(
        { arbitrary: fc.constantFrom(...fields), weight: 4 },
        { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
        { arbitrary: fc.constantFrom('\u0000', 'k\u0000', '\ud800', 'x\udc00'), weight: 1 },
      )
    : fc.string({ maxLength: 12 });
  return fc.dictionary(key, junkValue, { maxKeys: 6 });
}

export const MALFORMED_JSON = [
  '{',
  '{"title": "x",}',
  '[1, 2',
  'nul',
  '{"a": undefined}',
  "{'title': 'x'}",
  '{"title": "\\ud800"}',
  '{"__proto__": {"polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '"just a string"',
  '12345678901234567890123456789',
  '[]',
  'null',
  '\u0000',
  '',
  '{"a":'.repeat(2000),
  '['.repeat(5000) + ']'.repeat(5000),
] as const;

export const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'multipart/form-data',
  'application/xml',
  'text/html',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/vnd.api+json',
  '*/*',
  ';;;',
  'application/json, text/plain',
] as const;

export interface Payload {
  readonly contentType?: string;
  readonly body?: string | Uint8Array;
}

const encoder = new TextEncoder();

function formOf(obj: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) p.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  return p.toString();
}

/** `[[[…]]]` or `{"a":{"a":…1}}`, `depth` levels: valid JSON nested past any sane limit. */
export function nested(depth: number, arrays = true): string {
  return arrays
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Valid JSON whose one field holds a value nested 33 to 20,000 levels deep. */
export function deepJson(fields: readonly string[]): fc.Arbitrary<Payload> {
  return fc
    .tuple(fc.constantFrom(...fields, 'details'), fc.integer({ min: 33, max: 20_000 }), fc.boolean())
    .map(([field, depth, arrays]) => ({
      contentType: 'application/json',
      body: `{${JSON.stringify(field)}:${nested(depth, arrays)}}`,
    }));
}

/** A body in one of the ways a client gets it wrong (or, at times, right). */
export function payload(fields: readonly string[]): fc.Arbitrary<Payload> {
  const obj = junkObject(fields);
  return fc.oneof(
    { arbitrary: obj.map((o) => ({ contentType: 'application/json', body: JSON.stringify(o) })), weight: 6 },
    {
      arbitrary: fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => ({ contentType: 'application/json', body: JSON.stringify(v) })),
      weight: 2,
    },
    {
      arbitrary: fc
        .oneof(fc.constantFrom(...MALFORMED_JSON), fc.string({ unit: 'binary', maxLength: 60 }))
        .map((body) => ({ contentType: 'application/json', body })),
      weight: 2,
    },
    {
      arbitrary: obj.map((o) => ({ contentType: 'application/x-www-form-urlencoded', body: formOf(o) })),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...WRONG_CONTENT_TYPES), obj)
        .map(([contentType, o]) => ({ contentType, body: JSON.stringify(o) })),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(fc.constantFrom(...fields, 'title'), junkText).map(([name, v]) => ({
        contentType: 'multipart/form-data; boundary=----fuzz',
        body: `------fuzz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n------fuzz--\r\n`,
      })),
      weight: 1,
    },
    // No content-type at all: a byte body makes fetch send none.
    { arbitrary: obj.map((o) => ({ body: encoder.encode(JSON.stringify(o)) })), weight: 1 },
    {
      arbitrary: fc.uint8Array({ maxLength: 200 }).map((body) => ({ contentType: 'application/json', body })),
      weight: 1,
    },
    { arbitrary: fc.constant<Payload>({ contentType: 'application/json' }), weight: 1 },
    { arbitrary: fc.constant<Payload>({}), weight: 1 },
    { arbitrary: deepJson(fields.length ? fields : ['title']), weight: 1 },
  );
}

/** Junk for a path parameter, already percent-encoded where it needs to be. */
export const junkParam: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'INC-abc',
      'INC-99999999999',
      'INC-999999999',
      'INC-0',
      'INC--1',
      'inc-1',
      '1',
      '%00',
      '%ZZ',
      '%',
      '..%2F..%2Fetc%2Fpasswd',
      '%27%20OR%201%3D1%20--',
      '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '%E2%80%AE',
      '%F0%9F%92%A5',
      '%C0%AF',
      'x'.repeat(999),
      'x'.repeat(1001),
      'INC-1'.repeat(2000),
    ),
    weight: 3,
  },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map(encode), weight: 2 },
);

/** encodeURIComponent that survives lone surrogates (it throws on them). */
export function encode(s: string): string {
  return encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

/** A query string (with its `?`) of known keys and strangers holding junk, or raw junk. */
export function junkQuery(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...keys, 'token', 'limit', '__proto__'), fc.string({ maxLength: 8 }));
  const value = fc.oneof(
    fc.constantFrom('-1', '0', '1e20', '99999999999999999999', 'NaN', '2026-13-45T99:00:00Z', 'open', ''),
    junkText.map((s) => s.slice(0, 2000)),
  );
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 1 },
    {
      arbitrary: fc
        .array(fc.tuple(key, value), { minLength: 1, maxLength: 4 })
        .map((pairs) => `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`),
      weight: 4,
    },
    {
      arbitrary: fc.constantFrom('?%', '?&&&=&=', '?a[b][c]=1&a[b]=2', '?limit=1&limit=2', '?%00=%00'),
      weight: 1,
    },
  );
}

/** Header values must be ByteStrings without control characters, or fetch refuses to send them. */
export function headerSafe(s: string): string {
  return s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').trim();
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** An Authorization header value: the right one, a wrong one, a malformed one, or none. */
export function authorization(
  valid: string,
  others: readonly string[] = [],
): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(`Bearer ${valid}`), weight: 6 },
    { arbitrary: fc.constant(undefined), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        'Bearer wrong-token-0123456789abcdef',
        'Bearer ',
        'Bearer',
        `bearer ${valid}x`,
        'Basic !!!not-base64!!!',
        `Basic ${b64('no-colon')}`,
        `Basic ${b64(`:${valid}`)}`,
        `Basic ${b64(`user:wrong`)}`,
        `Token ${valid}`,
        `Bearer ${valid.slice(0, -1)}`,
        ...others.map((o) => `Bearer ${o}`),
      ),
      weight: 3,
    },
    { arbitrary: junkText.map((s) => `Bearer ${headerSafe(s.slice(0, 4000))}`), weight: 1 },
  );
}
