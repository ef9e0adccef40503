import type { Severity } from '../../config/vocabulary';

/**
 * What a notification says, neutral of channel: the engine builds one per audience (technical,
 * business, executive, customer) and each renderer (email, SMS, Slack) turns it into its own
 * format. Every string here may contain anything a person typed; renderers escape or sanitise it,
 * the engine never does, so escaping happens exactly once and in the right dialect.
 */
export interface MessageContent {
  /** One line, e.g. "[CRITICAL] INC-12 declared: Checkout failing". */
  readonly subject: string;
  readonly headline: string;
  /** Plain text paragraphs, in reading order (most important first: SMS drops from the end). */
  readonly paragraphs: readonly string[];
  readonly fields: readonly { readonly label: string; readonly value: string }[];
  /**
   * Links, most important first: put the signed acknowledge link first, the SMS renderer keeps the
   * first link over everything but itself. Only http(s) URLs are rendered; others are dropped.
   */
  readonly links: readonly { readonly label: string; readonly url: string }[];
  readonly severity: Severity;
  readonly footer?: string;
}
