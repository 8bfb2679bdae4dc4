import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a webhook asks for. Anything that can move a branch or tag refreshes; a ping is answered;
 * other named events (issues, stars, …) are acknowledged and ignored. A request without an event
 * header (a generic caller such as a post-receive hook) refreshes.
 */
export type WebhookIntent = { kind: 'ping'; event: string } | { kind: 'refresh'; event: string } | { kind: 'ignore'; event: string };

const EVENT_HEADERS = ['x-github-event', 'x-forgejo-event', 'x-gitea-event', 'x-gogs-event', 'x-gitlab-event', 'x-event'];

const REFRESH_EVENTS = new Set([
  'push', // GitHub, Gitea, Forgejo, Gogs, generic
  'create', // a branch or tag created (GitHub, Gitea)
  'delete',
  'release',
  'push hook', // GitLab
  'tag push hook',
  'system hook',
]);

export function webhookIntent(headers: IncomingHttpHeaders): WebhookIntent {
  for (const name of EVENT_HEADERS) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const event = (Array.isArray(raw) ? raw[0] ?? '' : raw).trim().toLowerCase().slice(0, 100);
    if (event === 'ping') return { kind: 'ping', event };
    return REFRESH_EVENTS.has(event) ? { kind: 'refresh', event } : { kind: 'ignore', event };
  }
  return { kind: 'refresh', event: 'push' };
}
