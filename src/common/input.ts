import { HeraldError } from './errors';

/**
 * The one check of untrusted text at Herald's edges (HTTP bodies, query strings and path
 * parameters, alert hooks, Slack commands and modals). Two things valid JSON can carry that
 * Herald must refuse before anything is written:
 *
 * - NUL (`\u0000`): PostgreSQL's text types cannot hold it. One such value in a group-commit
 *   transaction made the whole transaction fail, and with it every other request written in it.
 * - Lone UTF-16 surrogates (`\ud800` without its pair): not Unicode; PostgreSQL, Slack and
 *   browsers reject or mangle them, and they turn into U+FFFD somewhere downstream.
 *
 * And JSON nested deeper than {@link MAX_JSON_DEPTH}: no field Herald reads is that deep, and
 * recursive code (JSON.stringify of a generic hook's `details`, loggers) overflowed its stack.
 */

declare global {
  interface String {
    /** ES2024, in every Node Herald runs on (24): false when the string holds a lone surrogate. */
    isWellFormed(): boolean;
  }
}

/** Deepest JSON nesting accepted (objects and arrays): 32 levels, far beyond any payload Herald reads. */
export const MAX_JSON_DEPTH = 32;

/** What is wrong with one string, or undefined when it is fine. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (!s.isWellFormed()) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

export interface BadText {
  /** Where, as `title`, `alerts[0].labels.severity` (empty for the value itself). */
  readonly path: string;
  readonly problem: string;
}

/** A key as it appears in a path: plain names as they are, anything else quoted and shortened. */
const segment = (key: string): string =>
  /^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);

const join = (path: string, key: string): string => (path ? `${path}.${segment(key)}` : segment(key));

/**
 * The first bad string in a value (its keys included), walking plain objects and arrays
 * iteratively (no recursion, so no depth can overflow the stack). Other values (numbers,
 * buffers, dates) are not looked into. Deeper than `maxDepth` is itself a problem.
 */
export function findBadText(value: unknown, maxDepth = MAX_JSON_DEPTH): BadText | undefined {
  // Each item knows its parent and its key; the path is spelled out only for the bad one, so a
  // clean request (the hot path: every alert of every hook request) builds no path strings.
  interface Item {
    readonly value: unknown;
    readonly parent: Item | undefined;
    readonly key: string | number | undefined;
    readonly depth: number;
  }
  const pathOf = (item: Item): string => {
    const parts: Array<string | number> = [];
    for (let at: Item | undefined = item; at?.key !== undefined; at = at.parent) parts.push(at.key);
    let path = '';
    for (let i = parts.length - 1; i >= 0; i--) {
      const k = parts[i]!;
      path = typeof k === 'number' ? `${path}[${k}]` : join(path, k);
    }
    return path;
  };
  const stack: Item[] = [{ value, parent: undefined, key: undefined, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path: pathOf(item), problem };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const isArray = Array.isArray(v);
    if (!isArray && !isPlainObject(v)) continue;
    if (item.depth >= maxDepth)
      return { path: pathOf(item), problem: `nested deeper than ${maxDepth} levels` };
    if (isArray) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], parent: item, key: i, depth: item.depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const problem = textProblem(key);
      if (problem) return { path: pathOf(item), problem: `a key ${problem}` };
      stack.push({ value: (v as Record<string, unknown>)[key], parent: item, key, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** Objects as parsers make them (JSON, query strings with their null-prototype records); not buffers or dates. */
function isPlainObject(v: object): boolean {
  return Object.prototype.toString.call(v) === '[object Object]';
}

/**
 * Throws a Validation error (HTTP 400) naming the field when `value` holds bad text, e.g.
 * `invalid body: title: contains a NUL character`. `what` names the part checked (body, query…).
 */
export function assertCleanInput(value: unknown, what: string): void {
  const bad = findBadText(value);
  if (!bad) return;
  const where = bad.path ? `${bad.path}: ` : '';
  throw new HeraldError('Validation', `invalid ${what}: ${where}${bad.problem}`, {
    issues: [{ path: bad.path, message: bad.problem }],
  });
}

/**
 * How deeply `text` (JSON) nests objects and arrays, counted without parsing and without
 * recursion, stopping as soon as `limit` is passed (then `limit + 1`). Brackets inside strings do
 * not count. Malformed JSON gets some answer; the parser that follows rejects it anyway.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return max;
        let backslashes = 0;
        for (let j = end - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
        i = end;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return max;
}

/** Refuses JSON text nested deeper than {@link MAX_JSON_DEPTH}, before it is parsed (400). */
export function assertJsonDepth(text: string, what: string): void {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new HeraldError('Validation', `invalid ${what}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/** JSON.parse behind the depth check; malformed JSON is a Validation error (`notJson`) too. */
export function parseUntrustedJson(text: string, what: string, notJson = `${what} is not JSON`): unknown {
  assertJsonDepth(text, what);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HeraldError('Validation', notJson);
  }
}
