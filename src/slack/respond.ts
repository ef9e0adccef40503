/**
 * Posts an ephemeral message through an interaction's response_url (commands, buttons, and the
 * modals they opened, which carry it in private_metadata). Slack keeps the URL valid for 30
 * minutes and 5 uses; it needs no token and reaches the person wherever they started, even in a
 * channel the bot is not in.
 */
export async function respondEphemeral(
  responseUrl: string,
  message: { text: string; blocks?: unknown[] },
): Promise<void> {
  const res = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}
