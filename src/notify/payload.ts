/**
 * What a sink receives: the generic webhook's JSON body with its signature headers, and
 * the Slack incoming webhook's `text` + blocks. Pure formatting; sending is delivery.ts's.
 *
 * The webhook's signature is HMAC-SHA256, keyed with the shared secret, over
 * `<timestamp>.<body>`: the timestamp header is signed with the body, so a receiver that
 * refuses old timestamps refuses a replayed message, and a changed timestamp breaks the
 * signature. Each attempt is signed afresh; the delivery id stays the same across
 * retries, for a receiver to drop a message it already has.
 */
import { signBody } from '../http/auth.js';
import type { Notification } from './events.js';

export const SIGNATURE_HEADER = 'x-ecs-gitops-signature';
export const TIMESTAMP_HEADER = 'x-ecs-gitops-timestamp';
export const DELIVERY_HEADER = 'x-ecs-gitops-delivery';
export const EVENT_HEADER = 'x-ecs-gitops-event';

/** A message ready for one sink: its body and headers (the signature is added per attempt). */
export interface Message {
  id: string;
  event: Notification['event'];
  body: string;
}

/** The generic webhook's body: the notification as JSON, times in ISO 8601. */
export function webhookBody(id: string, n: Notification): string {
  return JSON.stringify({
    id,
    event: n.event,
    application: n.application,
    at: new Date(n.at).toISOString(),
    summary: n.summary,
    revision: n.revision,
    resources: n.resources,
    moreResources: n.moreResources,
    ...(n.loadErrors ? { loadErrors: n.loadErrors } : {}),
    ...(n.recoveredFrom ? { recoveredFrom: n.recoveredFrom } : {}),
  });
}

/** `sha256=<hex>` of `<timestamp>.<body>` with `secret`. */
export function signature(secret: string, timestamp: number, body: string): string {
  return signBody(secret, `${timestamp}.${body}`);
}

/** The headers of one webhook attempt, signed at `nowMs` when there is a secret. */
export function webhookHeaders(message: Message, nowMs: number, secret: string | undefined): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    [DELIVERY_HEADER]: message.id,
    [EVENT_HEADER]: message.event,
    [TIMESTAMP_HEADER]: String(timestamp),
    ...(secret ? { [SIGNATURE_HEADER]: signature(secret, timestamp, message.body) } : {}),
  };
}

const EMOJI: Record<Notification['event'], string> = {
  'invalid-revision': ':x:',
  'sync-failed': ':x:',
  stalled: ':warning:',
  degraded: ':warning:',
  rollback: ':rewind:',
  'drift-healed': ':wrench:',
  recovered: ':white_check_mark:',
};

/** Slack's mrkdwn gives `&`, `<` and `>` meaning: text from git and AWS is escaped. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A section's text is at most 3000 characters in Slack. */
function clip(text: string, max = 2900): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The Slack incoming webhook's body: `text` (the notification's fallback and push text) and blocks. */
export function slackBody(n: Notification): string {
  const title = `${EMOJI[n.event]} *${escapeSlack(n.application)}* — ${n.event}`;
  const lines = n.loadErrors
    ? n.loadErrors.slice(0, 10).map((e) => `• \`${escapeSlack(`${e.file}:${e.line}:${e.column}`)}\`${e.field ? ` \`${escapeSlack(e.field)}\`` : ''} ${escapeSlack(e.message)}`)
    : n.resources.slice(0, 10).map((r) => `• \`${escapeSlack(r.key)}\` ${r.sync}/${r.health}${r.field ? ` field \`${escapeSlack(r.field)}\`` : ''}${r.message ? ` — ${escapeSlack(r.message)}` : ''}`);
  const more = n.moreResources + Math.max(0, n.resources.length - 10);
  if (more > 0) lines.push(`… and ${more} more`);
  const revision = `applied ${n.revision.applied ?? '(none)'} · attempted ${n.revision.attempted ?? '(none)'}`;
  return JSON.stringify({
    text: clip(`[${n.application}] ${n.event}: ${n.summary}`),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(`${title}\n${escapeSlack(n.summary)}`) } },
      ...(lines.length > 1 || n.loadErrors ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n')) } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeSlack(revision)) }] },
    ],
  });
}
