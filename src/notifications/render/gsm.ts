/**
 * SMS encoding and segment arithmetic (3GPP TS 23.038 / 23.040), so Herald knows what a message
 * costs and where the 1,600-character ceiling bites before the provider does.
 *
 * - GSM-7: 160 septets in one message, 153 per part once concatenated (the rest is the UDH).
 *   Characters of the extension table (`^{}\[~]|€` and form feed) take two septets (ESC + code)
 *   and an escape pair is never split across parts.
 * - UCS-2 (any character outside GSM-7): 70 UTF-16 units in one message, 67 per part; a
 *   surrogate pair (most emoji) takes two units and is never split across parts.
 *
 * Only the default national language tables are assumed: that is what Twilio and SNS use.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** The GSM 03.38 default alphabet (without ESC), in code order. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: each is sent as ESC + code, two septets. */
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(Array.from(GSM_BASIC));
const EXTENSION = new Set(Array.from(GSM_EXTENSION));

export const SMS_LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

/** Septets for one GSM-7 character, or undefined when the character is not in GSM-7. */
export function gsmSeptets(char: string): 1 | 2 | undefined {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === undefined) return false;
  return true;
}

export interface SmsCount {
  readonly encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2): what the segment limits are measured in. */
  readonly units: number;
  /** Message parts the phone network carries; 0 for an empty text. */
  readonly segments: number;
}

/** Encoding, size and number of segments of `text`, exactly as a handset would split it. */
export function countSms(text: string): SmsCount {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  // Costs per indivisible unit: a GSM character (1 or 2 septets) or a code point (1 or 2 units).
  const costs: number[] = [];
  for (const char of text) costs.push(encoding === 'GSM-7' ? (gsmSeptets(char) ?? 1) : char.length);
  const units = costs.reduce((a, b) => a + b, 0);
  const limits = SMS_LIMITS[encoding];
  if (units === 0) return { encoding, units, segments: 0 };
  if (units <= limits.single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > limits.part) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments };
}
