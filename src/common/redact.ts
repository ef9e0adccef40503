/**
 * The one function that takes secrets out of URLs before they are logged. Herald's links carry
 * bearer secrets by design (SNS posts to `/hooks/sns?token=…`, acknowledge links are
 * `/ack/<token>`, subscription links `?token=…`), and a request log that writes them in clear
 * hands every reader of the logs the power to post alerts, acknowledge pages or unsubscribe
 * people. It is applied to every serialised log line (see createLogger), so a URL inside an error
 * message or a stack is covered as well as `req.url`.
 *
 * It works on any text, not only a bare URL, in one left-to-right pass: each character is looked
 * at a bounded number of times, so a hostile URL costs linear time.
 */
export const REDACTED_VALUE = '[redacted]';

/**
 * Path prefixes whose remainder (up to `?` or `#`) is a secret: acknowledge links, and the token
 * paths of Twilio voice/gather callbacks, heartbeat hooks and calendar feeds.
 */
export const SECRET_PATH_PREFIXES: readonly string[] = [
  '/ack/',
  '/hooks/twilio/voice/',
  '/hooks/twilio/gather/',
  '/hooks/heartbeat/',
  '/calendar/',
];

/** A query parameter whose name contains one of these (any case) has its value redacted. */
const SECRET_PARAM_WORDS = ['token', 'secret', 'key', 'signature', 'password'];

/** Characters that end a URL inside text: quotes, space, escapes, angle brackets. */
const ENDS_URL = new Set([' ', '\t', '\n', '\r', '"', "'", '\\', '<', '>', '`']);
const endsName = (c: string): boolean => ENDS_URL.has(c) || c === '=' || c === '&' || c === '#' || c === '?';
const endsValue = (c: string): boolean => ENDS_URL.has(c) || c === '&' || c === '#';
const endsPath = (c: string): boolean => ENDS_URL.has(c) || c === '?' || c === '#' || c === '&';

const isSecretName = (name: string): boolean => {
  const lower = name.toLowerCase();
  return SECRET_PARAM_WORDS.some((w) => lower.includes(w));
};

function startsWithAt(text: string, at: number, prefix: string): boolean {
  if (at + prefix.length > text.length) return false;
  for (let k = 0; k < prefix.length; k++) {
    const c = text.charCodeAt(at + k);
    const lower = c >= 65 && c <= 90 ? c + 32 : c; // ASCII case folding; prefixes are lower case
    if (lower !== prefix.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * `text` with the value of every secret-named query parameter (`?token=…`, `&api_key=…`,
 * `&X-Amz-Signature=…`) and the rest of every secret-bearing path ({@link SECRET_PATH_PREFIXES})
 * replaced by `[redacted]`. Everything else is kept, so a log line still says which route was
 * called. Returns `text` itself when there is nothing to redact.
 */
export function redactSecrets(text: string): string {
  let out = '';
  let copied = 0; // text[copied, i) is still to be copied to `out`
  let i = 0;
  const n = text.length;
  const replace = (from: number, to: number): void => {
    out += text.slice(copied, from) + REDACTED_VALUE;
    copied = to;
  };
  while (i < n) {
    const c = text[i] as string;
    if (c === '?' || c === '&') {
      let j = i + 1;
      while (j < n && !endsName(text[j] as string)) j++;
      if (j < n && text[j] === '=' && j > i + 1 && isSecretName(text.slice(i + 1, j))) {
        let k = j + 1;
        while (k < n && !endsValue(text[k] as string)) k++;
        if (k > j + 1) replace(j + 1, k);
        i = k;
      } else {
        // Not a secret parameter: go on from the next character. Names end at the next `?`/`&`,
        // so each character is still read by at most one name scan.
        i++;
      }
      continue;
    }
    if (c === '/') {
      const prefix = SECRET_PATH_PREFIXES.find((p) => startsWithAt(text, i, p));
      if (prefix) {
        const from = i + prefix.length;
        let k = from;
        while (k < n && !endsPath(text[k] as string)) k++;
        if (k > from) replace(from, k);
        i = k;
        continue;
      }
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
