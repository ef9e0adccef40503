import {
  findBadText,
  jsonDepth,
  MAX_JSON_DEPTH,
  parseUntrustedJson,
  textProblem,
} from '../../src/common/input';

describe('textProblem', () => {
  it.each([
    ['plain', undefined],
    ['emoji 🔥 (a surrogate pair)', undefined],
    ['a\u0000b', 'contains a NUL character'],
    ['high \ud83d alone', 'contains a lone UTF-16 surrogate (not valid Unicode)'],
    ['\udc00 low alone', 'contains a lone UTF-16 surrogate (not valid Unicode)'],
    ['reversed \udc00\ud800', 'contains a lone UTF-16 surrogate (not valid Unicode)'],
  ])('%j → %s', (s, expected) => {
    expect(textProblem(s)).toBe(expected);
  });
});

describe('findBadText', () => {
  it('names the path of the first bad string, keys included', () => {
    expect(findBadText({ a: [{ b: 'ok' }, { c: 'x\u0000' }] })).toEqual({
      path: 'a[1].c',
      problem: 'contains a NUL character',
    });
    expect(findBadText({ labels: { 'odd key!': '\ud800' } })).toEqual({
      path: 'labels."odd key!"',
      problem: 'contains a lone UTF-16 surrogate (not valid Unicode)',
    });
    expect(findBadText({ labels: { 'k\u0000': 'v' } })).toEqual({
      path: 'labels',
      problem: 'a key contains a NUL character',
    });
    expect(findBadText('\u0000')).toEqual({ path: '', problem: 'contains a NUL character' });
    expect(findBadText({ n: 1, b: true, z: null, buf: Buffer.from([0]) })).toBeUndefined();
  });

  it('walks null-prototype records (parsed query strings)', () => {
    const q = Object.assign(Object.create(null) as Record<string, string>, { service: '\u0000' });
    expect(findBadText(q)?.path).toBe('service');
  });

  it('walks any depth without recursion, reporting beyond the limit', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findBadText(deep)).toEqual({
      path: '[0]'.repeat(MAX_JSON_DEPTH),
      problem: `nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
    expect(findBadText(deep, Infinity)).toBeUndefined();
  });
});

describe('jsonDepth', () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['[[],[[]]]', 3],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"quote \\" then [[[ "}', 1],
    ['{"a":"backslash \\\\","b":[[1]]}', 3],
    ['"unterminated [[[', 0],
  ])('%s → %i', (text, depth) => {
    expect(jsonDepth(text, 100)).toBe(depth);
  });

  it('stops as soon as the limit is passed', () => {
    expect(jsonDepth('['.repeat(1_000_000), 32)).toBe(33);
  });

  it('parseUntrustedJson refuses depth before parsing, and malformed JSON, as Validation errors', () => {
    expect(() => parseUntrustedJson('['.repeat(40) + ']'.repeat(40), 'body')).toThrow(
      'invalid body: JSON nested deeper than 32 levels',
    );
    expect(() => parseUntrustedJson('{', 'body')).toThrow('body is not JSON');
    expect(parseUntrustedJson('['.repeat(32) + ']'.repeat(32), 'body')).toBeDefined();
  });
});
