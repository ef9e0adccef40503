import { renderToString } from 'preact-render-to-string';

/**
 * The acknowledge-link pages: GET shows a confirm button (a link preview or a mail scanner
 * fetching the URL must not acknowledge), POST acknowledges. Escaped by construction.
 */
const style = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#1d1c1d;margin:0}
main{max-width:32rem;margin:12vh auto;background:#fff;border:1px solid #d0d4d9;border-radius:8px;padding:2rem}
h1{font-size:1.4rem;margin:0 0 1rem}p{line-height:1.5}
button{font:inherit;font-weight:600;background:#0b5cad;color:#fff;border:0;border-radius:6px;padding:.8rem 1.4rem;cursor:pointer}
button:focus{outline:3px solid #f2a900;outline-offset:2px}.muted{color:#555}`;

function Page(props: { title: string; children: preact.ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <style dangerouslySetInnerHTML={{ __html: style }} />
      </head>
      <body>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

export function confirmPage(p: { orgName: string; ref: string; title: string; status: string }): string {
  return `<!doctype html>${renderToString(
    <Page title={`Acknowledge ${p.ref}`}>
      <h1>
        Acknowledge {p.ref}: {p.title}
      </h1>
      <p class="muted">
        {p.orgName} · status {p.status}
      </p>
      <p>Acknowledging tells the team you own this incident and stops further escalation.</p>
      <form method="post">
        <button type="submit">Acknowledge {p.ref}</button>
      </form>
    </Page>,
  )}`;
}

export function resultPage(p: { heading: string; message: string }): string {
  return `<!doctype html>${renderToString(
    <Page title={p.heading}>
      <h1>{p.heading}</h1>
      <p>{p.message}</p>
    </Page>,
  )}`;
}
