import { countSms, gsmSeptets, isGsm7 } from '../../../src/notifications/render/gsm';

describe('GSM-7 / UCS-2 segment counting (literal strings)', () => {
  test('an empty text is no segment', () => {
    expect(countSms('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });

  test.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('GSM-7: %i plain characters → %i segment(s) (160 single, 153 per part)', (n, segments) => {
    expect(countSms('a'.repeat(n))).toEqual({ encoding: 'GSM-7', units: n, segments });
  });

  test('every character of the GSM-7 basic table counts one septet', () => {
    const basic = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ÄÖÑÜ§¿äöñüà';
    expect(countSms(basic)).toEqual({ encoding: 'GSM-7', units: basic.length, segments: 1 });
  });

  test('extension characters €{}[]~^|\\ count two septets each', () => {
    expect(countSms('€{}[]~^|\\')).toEqual({ encoding: 'GSM-7', units: 18, segments: 1 });
    for (const char of '€{}[]~^|\\') expect(gsmSeptets(char)).toBe(2);
  });

  test('80 euro signs fill one message exactly; 81 need two', () => {
    expect(countSms('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSms('€'.repeat(81))).toEqual({ encoding: 'GSM-7', units: 162, segments: 2 });
  });

  test('159 plain characters and one extension character overflow a single message', () => {
    expect(countSms(`${'a'.repeat(159)}{`)).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
  });

  test('an escape pair is never split across parts (306 septets can need 3 parts)', () => {
    // 152 + [ESC €] would straddle the 153 boundary, so € starts part two; one "a" spills to part three.
    expect(countSms(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({
      encoding: 'GSM-7',
      units: 306,
      segments: 3,
    });
    expect(countSms(`${'a'.repeat(151)}€${'a'.repeat(153)}`)).toEqual({
      encoding: 'GSM-7',
      units: 306,
      segments: 2,
    });
  });

  test.each([
    ['ç', 'lower-case c cedilla (only Ç is in GSM-7)'],
    ['á', 'a acute'],
    ['`', 'backtick'],
    ['’', 'curly apostrophe'],
    ['Ж', 'Cyrillic'],
    ['🚨', 'emoji'],
  ])('%s (%s) forces UCS-2', (char) => {
    expect(isGsm7(`Checkout ${char}`)).toBe(false);
    expect(countSms(`Checkout ${char}`).encoding).toBe('UCS-2');
  });

  test.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('UCS-2: %i Cyrillic characters → %i segment(s) (70 single, 67 per part)', (n, segments) => {
    expect(countSms('Ж'.repeat(n))).toEqual({ encoding: 'UCS-2', units: n, segments });
  });

  test('"Привет" is six UCS-2 units in one segment', () => {
    expect(countSms('Привет')).toEqual({ encoding: 'UCS-2', units: 6, segments: 1 });
  });

  test('an emoji is two UCS-2 units: 35 fit one message, 36 need two', () => {
    expect(countSms('🚨'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSms('🚨'.repeat(36))).toEqual({ encoding: 'UCS-2', units: 72, segments: 2 });
  });

  test('a surrogate pair is never split across parts', () => {
    // 66 + 🚨 would straddle 67, so it starts part two; part two then overflows by one.
    expect(countSms(`${'Ж'.repeat(66)}🚨${'Ж'.repeat(66)}`)).toEqual({
      encoding: 'UCS-2',
      units: 134,
      segments: 3,
    });
    expect(countSms(`${'Ж'.repeat(65)}🚨${'Ж'.repeat(67)}`)).toEqual({
      encoding: 'UCS-2',
      units: 134,
      segments: 2,
    });
  });

  test('one emoji turns a GSM-7 text into UCS-2 and multiplies its segments', () => {
    const text = 'a'.repeat(100);
    expect(countSms(text).segments).toBe(1);
    expect(countSms(`${text}🚨`)).toEqual({ encoding: 'UCS-2', units: 102, segments: 2 });
  });
});
