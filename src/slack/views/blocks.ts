import type { types as slack } from '@slack/bolt';
import { plain } from '../mrkdwn';

/**
 * Tiny Block Kit builders. They take text that is ALREADY safe: `md` arguments must come from
 * `mrkdwn()` and the helpers in ../mrkdwn.ts; `text` arguments are plain_text (never parsed) and
 * are only clipped to Slack's limits here.
 */
export type KnownBlock = slack.KnownBlock;
export type MessageAttachment = slack.MessageAttachment;
export type ModalView = slack.ModalView;
export type HomeView = slack.HomeView;
export type PlainTextOption = slack.PlainTextOption;

/** Slack's limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = { header: 150, section: 3000, field: 2000, button: 75, option: 75, context: 2000 };

export const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: plain(text, LIMITS.header), emoji: true },
});

export const section = (md: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: md.slice(0, LIMITS.section) || ' ' },
});

/** A section of two-column fields (at most 10, Slack's limit). */
export const fields = (items: readonly string[]): KnownBlock => ({
  type: 'section',
  fields: items.slice(0, 10).map((md) => ({ type: 'mrkdwn', text: md.slice(0, LIMITS.field) || ' ' })),
});

export const context = (md: string): KnownBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: md.slice(0, LIMITS.context) || ' ' }],
});

export const divider = (): KnownBlock => ({ type: 'divider' });

export const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: plain(text, LIMITS.option), emoji: true },
  value,
});
