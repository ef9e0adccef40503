import { z } from 'zod';

/**
 * What a modal carries in `private_metadata` (Slack returns it, signed, with the submission):
 * the incident it is about, and the response_url of the command or button that opened it, so
 * the submission's outcome (or error) reaches the person ephemerally where they started.
 */
export interface ModalMetadata {
  readonly ref?: string;
  readonly responseUrl?: string;
}

const schema = z.object({
  ref: z.string().max(20).optional(),
  responseUrl: z.url().max(1000).optional(),
});

export function encodeMetadata(m: ModalMetadata): string {
  return JSON.stringify(m);
}

/** Unreadable metadata yields `{}` (Slack limits it to 3,000 characters; ours is far smaller). */
export function decodeMetadata(raw: string | undefined | null): ModalMetadata {
  if (!raw) return {};
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}
