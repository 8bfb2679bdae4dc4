import { createHmac } from 'node:crypto';
import { sameSecret } from '../secrets.js';
import type { IncomingHttpHeaders } from 'node:http';

/** Which signature scheme a request used; named after the host that sends it. */
export type SignatureScheme = 'github' | 'gitlab' | 'gitea' | 'forgejo' | 'gogs' | 'generic';

export type Verification =
  | { ok: true; scheme: SignatureScheme }
  | { ok: false; scheme: SignatureScheme | null; reason: 'missing' | 'malformed' | 'mismatch' };

/**
 * Signature headers in the order they are checked. Only the first one present is verified,
 * so a request cannot pass by adding a second, weaker header next to a wrong one.
 *  - `X-Hub-Signature-256: sha256=<hex>`: GitHub (and Gitea/Forgejo also send it); the generic form
 *  - `X-Signature-256: sha256=<hex>`: generic (scripts, post-receive hooks)
 *  - `X-Forgejo-Signature`, `X-Gitea-Signature`, `X-Gogs-Signature: <hex>`
 *  - `X-Gitlab-Token: <secret>`: GitLab sends the secret itself
 */
const HEADERS: { header: string; kind: 'prefixed' | 'hex' | 'token'; scheme: (h: IncomingHttpHeaders) => SignatureScheme }[] = [
  { header: 'x-hub-signature-256', kind: 'prefixed', scheme: (h) => hostOf(h) ?? 'generic' },
  { header: 'x-signature-256', kind: 'prefixed', scheme: () => 'generic' },
  { header: 'x-forgejo-signature', kind: 'hex', scheme: () => 'forgejo' },
  { header: 'x-gitea-signature', kind: 'hex', scheme: () => 'gitea' },
  { header: 'x-gogs-signature', kind: 'hex', scheme: () => 'gogs' },
  { header: 'x-gitlab-token', kind: 'token', scheme: () => 'gitlab' },
];

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Checks a webhook request against the project's secret, in constant time. */
export function verifySignature(headers: IncomingHttpHeaders, body: Buffer, secret: string): Verification {
  for (const { header, kind, scheme } of HEADERS) {
    const raw = headers[header];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    const name = scheme(headers);
    if (kind === 'token') {
      return sameSecret(value, secret)
        ? { ok: true, scheme: name }
        : { ok: false, scheme: name, reason: 'mismatch' };
    }
    const hex = kind === 'prefixed' ? (value.startsWith('sha256=') ? value.slice('sha256='.length) : null) : value;
    if (hex === null || !HEX_SHA256.test(hex)) return { ok: false, scheme: name, reason: 'malformed' };
    const expected = createHmac('sha256', secret).update(body).digest();
    return sameSecret(Buffer.from(hex, 'hex'), expected) ? { ok: true, scheme: name } : { ok: false, scheme: name, reason: 'mismatch' };
  }
  return { ok: false, scheme: hostOf(headers), reason: 'missing' };
}

/** The host that sent the request, from its event header (for logs and for the GitHub/generic distinction). */
export function hostOf(headers: IncomingHttpHeaders): SignatureScheme | null {
  if (headers['x-github-event'] !== undefined) return 'github';
  if (headers['x-forgejo-event'] !== undefined) return 'forgejo';
  if (headers['x-gitea-event'] !== undefined) return 'gitea';
  if (headers['x-gogs-event'] !== undefined) return 'gogs';
  if (headers['x-gitlab-event'] !== undefined) return 'gitlab';
  return null;
}

