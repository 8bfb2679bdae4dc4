import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { AuthUser } from './types.js';

/** A valid session as the middleware hands it to handlers. */
export interface SessionInfo {
  /** sha256 of the token (the row id). */
  id: string;
  user: AuthUser;
  csrfToken: string;
}

export interface SessionLimits {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after login, however active. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 };

/** `last_seen_at` is refreshed at most this often, to spare a write per request. */
const TOUCH_INTERVAL_MS = 60_000;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Sessions in the database, so every instance sees them. The cookie carries 32 random bytes;
 * only their sha256 is stored, so a leaked table does not hand out live sessions.
 */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  async create(userId: number): Promise<{ token: string; csrfToken: string; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.limits.absoluteMs).toISOString();
    await this.db.kysely
      .insertInto('sessions')
      .values({
        id: tokenDigest(token),
        user_id: userId,
        csrf_token: csrfToken,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        last_seen_at: now.toISOString(),
      })
      .execute();
    return { token, csrfToken, expiresAt };
  }

  /** The session for a cookie token, or null when unknown, malformed or expired (expired rows are removed). */
  async resolve(token: string | undefined): Promise<SessionInfo | null> {
    if (!token || !TOKEN_PATTERN.test(token)) return null;
    const id = tokenDigest(token);
    const row = await this.db.kysely
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.csrf_token',
        'sessions.expires_at',
        'sessions.last_seen_at',
        'users.id as user_id',
        'users.username',
        'users.role',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const now = Date.now();
    const lastSeen = Date.parse(row.last_seen_at);
    if (now >= Date.parse(row.expires_at) || now >= lastSeen + this.limits.idleMs) {
      await this.destroy(id);
      return null;
    }
    if (now - lastSeen >= TOUCH_INTERVAL_MS) {
      await this.db.kysely
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now).toISOString() })
        .where('id', '=', id)
        .execute();
    }
    return { id, user: { id: row.user_id, username: row.username, role: row.role }, csrfToken: row.csrf_token };
  }

  async destroy(sessionId: string): Promise<void> {
    await this.db.kysely.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  /** Housekeeping, run at each login: drops sessions past their absolute or idle end. */
  async pruneExpired(): Promise<void> {
    const now = Date.now();
    await this.db.kysely
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', new Date(now).toISOString()),
          eb('last_seen_at', '<=', new Date(now - this.limits.idleMs).toISOString()),
        ]),
      )
      .execute();
  }
}
