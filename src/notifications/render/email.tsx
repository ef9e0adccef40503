import type { ComponentChildren } from 'preact';
import { renderToStaticMarkup } from 'preact-render-to-string';
import type { Severity } from '../../config/vocabulary';
import type { MessageContent } from './content';
import { cleanBlock, oneLine, safeHttpUrl, truncateLine } from './text';

export interface RenderedEmail {
  /** One line, no control characters, at most {@link SUBJECT_MAX} characters. */
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface EmailOptions {
  /** Shown in the banner and the footer, so a reader knows who is writing. */
  readonly orgName: string;
}

/** Long enough for any incident subject, short enough for every mail client's list view. */
export const SUBJECT_MAX = 200;

/** Banner colours by severity; white text on each passes WCAG AA for bold text. */
const SEVERITY_COLOUR: Readonly<Record<Severity, string>> = {
  critical: '#b3261e',
  high: '#c2410c',
  medium: '#a16207',
  low: '#1d4ed8',
  info: '#4b5563',
};

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
/**
 * Layout-table attributes mail clients still rely on (Outlook ignores CSS padding on tables);
 * preact's types omit the deprecated ones, so they are spread from here.
 */
const TABLE: Readonly<Record<string, string>> = {
  role: 'presentation',
  cellpadding: '0',
  cellspacing: '0',
  border: '0',
};
const WRAP = 'word-break:break-word;overflow-wrap:anywhere;';

/**
 * The email for `content`: HTML built with preact (every string escaped by construction, there is
 * no raw-HTML path), table layout with inline CSS because mail clients ignore `<style>` and flexbox,
 * `dir="auto"` on text so right-to-left paragraphs read correctly, and a plain-text part with the
 * same words. Links that are not absolute http(s) URLs are dropped from both parts.
 */
export function renderEmail(content: MessageContent, opts: EmailOptions): RenderedEmail {
  const links = content.links.flatMap((l) => {
    const url = safeHttpUrl(l.url);
    return url ? [{ label: oneLine(l.label) || url, url }] : [];
  });
  const view: EmailView = {
    subject: truncateLine(content.subject, SUBJECT_MAX),
    headline: oneLine(content.headline),
    paragraphs: content.paragraphs.map(cleanBlock).filter((p) => p !== ''),
    fields: content.fields.map((f) => ({ label: oneLine(f.label), value: cleanBlock(f.value) })),
    links,
    severity: content.severity,
    footer: content.footer === undefined ? undefined : cleanBlock(content.footer),
    orgName: oneLine(opts.orgName),
  };
  return {
    subject: view.subject,
    html: `<!DOCTYPE html>${renderToStaticMarkup(<Email {...view} />)}`,
    text: plainText(view),
  };
}

interface EmailView {
  subject: string;
  headline: string;
  paragraphs: string[];
  fields: Array<{ label: string; value: string }>;
  links: Array<{ label: string; url: string }>;
  severity: Severity;
  footer?: string;
  orgName: string;
}

function plainText(v: EmailView): string {
  const blocks = [v.headline, ...v.paragraphs];
  if (v.fields.length) blocks.push(v.fields.map((f) => `${f.label}: ${f.value}`).join('\n'));
  if (v.links.length) blocks.push(v.links.map((l) => `${l.label}: ${l.url}`).join('\n'));
  blocks.push(['--', v.footer, v.orgName].filter(Boolean).join('\n'));
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

/** Text with its line breaks kept as `<br>`. */
function Lines({ text }: { text: string }) {
  const lines = text.split('\n');
  return (
    <>
      {lines.map((line, i) => (
        <>
          {i > 0 && <br />}
          {line}
        </>
      ))}
    </>
  );
}

function Row({ children, style }: { children: ComponentChildren; style: string }) {
  return (
    <tr>
      <td style={style}>{children}</td>
    </tr>
  );
}

function Email(v: EmailView) {
  const colour = SEVERITY_COLOUR[v.severity];
  const p = `${FONT}${WRAP}margin:0 0 16px;font-size:15px;line-height:22px;color:#1f2328;`;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{v.subject}</title>
      </head>
      <body style="margin:0;padding:0;background:#f3f4f6;">
        <table {...TABLE} width="100%">
          <Row style="padding:24px 12px;background:#f3f4f6;">
            <table
              {...TABLE}
              {...({ align: 'center' } as Record<string, string>)}
              width="600"
              style="width:100%;max-width:600px;background:#ffffff;border-collapse:collapse;"
            >
              <Row
                style={`${FONT}background:${colour};color:#ffffff;padding:12px 24px;font-size:13px;font-weight:bold;letter-spacing:0.5px;`}
              >
                {v.severity.toUpperCase()} · {v.orgName}
              </Row>
              <Row style="padding:24px 24px 8px;">
                <h1
                  dir="auto"
                  style={`${FONT}${WRAP}margin:0 0 16px;font-size:20px;line-height:28px;color:#1f2328;`}
                >
                  {v.headline}
                </h1>
                {v.paragraphs.map((text) => (
                  <p dir="auto" style={p}>
                    <Lines text={text} />
                  </p>
                ))}
                {v.fields.length > 0 && <Fields fields={v.fields} />}
                {v.links.length > 0 && <Buttons links={v.links} colour={colour} />}
              </Row>
              <Row
                style={`${FONT}${WRAP}padding:16px 24px;border-top:1px solid #e5e7eb;font-size:12px;line-height:18px;color:#6b7280;`}
              >
                {v.footer && (
                  <div dir="auto">
                    <Lines text={v.footer} />
                  </div>
                )}
                <div>{v.orgName}</div>
              </Row>
            </table>
          </Row>
        </table>
      </body>
    </html>
  );
}

function Fields({ fields }: { fields: EmailView['fields'] }) {
  const cell = `${FONT}${WRAP}padding:6px 0;font-size:14px;line-height:20px;vertical-align:top;`;
  return (
    <table {...TABLE} width="100%" style="margin:0 0 16px;border-collapse:collapse;">
      {fields.map((f) => (
        <tr>
          <td dir="auto" width="160" style={`${cell}color:#6b7280;padding-right:12px;`}>
            {f.label}
          </td>
          <td dir="auto" style={`${cell}color:#1f2328;`}>
            <Lines text={f.value} />
          </td>
        </tr>
      ))}
    </table>
  );
}

function Buttons({ links, colour }: { links: EmailView['links']; colour: string }) {
  return (
    <table {...TABLE} style="margin:0 0 16px;">
      <tr>
        {links.map((l, i) => (
          <td style={`padding:0 8px 8px 0;`}>
            <a
              href={l.url}
              target="_blank"
              rel="noopener noreferrer"
              style={`${FONT}display:inline-block;padding:10px 18px;border-radius:4px;font-size:14px;font-weight:bold;text-decoration:none;${
                i === 0 ? `background:${colour};color:#ffffff;` : 'background:#e5e7eb;color:#1f2328;'
              }`}
            >
              {l.label}
            </a>
          </td>
        ))}
      </tr>
    </table>
  );
}
