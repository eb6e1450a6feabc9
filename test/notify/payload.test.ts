// What a sink receives, without a network: Slack's text and blocks (escaped for its
// mrkdwn), the webhook's JSON body, and Retry-After in both of its forms.
import t from 'tap';
import type { ResourceKey } from '../../src/api/kinds.js';
import { retryAfter } from '../../src/notify/delivery.js';
import type { Notification } from '../../src/notify/events.js';
import { slackBody, webhookBody } from '../../src/notify/payload.js';

const base: Notification = {
  event: 'degraded',
  application: 'shop',
  at: Date.UTC(2026, 11, 2, 4, 30),
  summary: 'Service/a<b> is Degraded: deployment of a:2 failed & stopped',
  revision: { applied: 'abc', attempted: 'def' },
  resources: [{ key: 'Service/a<b>' as ResourceKey, kind: 'Service', name: 'a<b>', sync: 'Synced', health: 'Degraded', message: 'deployment of a:2 failed & stopped' }],
  moreResources: 0,
};

t.test('Slack: text for the push line, blocks for the channel, mrkdwn escaped', async (t) => {
  const body = JSON.parse(slackBody(base)) as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
  t.equal(body.text, '[shop] degraded: Service/a<b> is Degraded: deployment of a:2 failed & stopped', 'the fallback text is plain');
  t.match(body.blocks[0].text?.text, /\*shop\* — degraded\nService\/a&lt;b&gt; is Degraded: deployment of a:2 failed &amp; stopped/);
  t.equal(body.blocks.length, 2, 'one resource: the summary says it all, then the revisions');
  t.match(body.blocks[1].elements?.[0].text, /applied abc · attempted def/);

  const many = { ...base, event: 'sync-failed' as const, summary: 'sync failed for 30 resources', moreResources: 10, resources: Array.from({ length: 20 }, (_, i) => ({ ...base.resources[0], key: `Service/s${i}` as ResourceKey })) };
  const listed = JSON.parse(slackBody(many)) as { blocks: { text?: { text: string } }[] };
  t.equal(listed.blocks[1].text?.text.split('\n').length, 11, 'ten resources and a count');
  t.match(listed.blocks[1].text?.text, /… and 20 more$/);

  const invalid = { ...base, event: 'invalid-revision' as const, resources: [], loadErrors: [{ file: 'store/web.yaml', line: 7, column: 3, field: 'spec.cpu', code: 'SCHEMA', message: 'must be string' }] };
  t.match((JSON.parse(slackBody(invalid)) as { blocks: { text?: { text: string } }[] }).blocks[1].text?.text, '• `store/web.yaml:7:3` `spec.cpu` must be string');
});

t.test('the webhook body: the notification as JSON, with its id and an ISO time', async (t) => {
  const body = JSON.parse(webhookBody('id-1', base)) as Record<string, unknown>;
  t.same(Object.keys(body), ['id', 'event', 'application', 'at', 'summary', 'revision', 'resources', 'moreResources']);
  t.equal(body.at, '2026-12-02T04:30:00.000Z');
  t.equal(body.id, 'id-1');
});

t.test('Retry-After: seconds or an HTTP date', async (t) => {
  const now = Date.UTC(2026, 11, 2, 4, 30);
  t.equal(retryAfter('120', now), 120_000);
  t.equal(retryAfter(new Date(now + 90_000).toUTCString(), now), 90_000);
  t.equal(retryAfter('soon', now), undefined);
  t.equal(retryAfter(null, now), undefined);
});
