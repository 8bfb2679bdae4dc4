import type { Db } from '../db/index.js';

export interface ThrottleRules {
  windowMs: number;
  /** Failures per username (any address) within the window before logins are refused. */
  perUsername: number;
  /** Failures per client address (any username) within the window; higher, for shared NATs. */
  perIp: number;
}

export const DEFAULT_THROTTLE_RULES: ThrottleRules = { windowMs: 15 * 60_000, perUsername: 5, perIp: 20 };

export interface LoginSource {
  username: string;
  ip: string;
}

/**
 * Slows down password guessing: after too many failures for a username or an address within
 * the window, logins are refused until the window has moved on. Stored in the database so
 * every instance behind a load balancer counts the same failures.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Db,
    private readonly rules: ThrottleRules = DEFAULT_THROTTLE_RULES,
  ) {}

  /** Seconds until a login may be tried again, or null when it may be tried now. */
  async retryAfterSeconds(source: LoginSource): Promise<number | null> {
    const now = Date.now();
    let waitMs = 0;
    for (const [key, limit] of this.keys(source)) {
      // The limit-th most recent failure inside the window: while it is in the window, the key is blocked.
      const row = await this.db.kysely
        .selectFrom('login_attempts')
        .select('created_at')
        .where('key', '=', key)
        .where('created_at', '>', new Date(now - this.rules.windowMs).toISOString())
        .orderBy('created_at', 'desc')
        .limit(1)
        .offset(limit - 1)
        .executeTakeFirst();
      if (row) waitMs = Math.max(waitMs, Date.parse(row.created_at) + this.rules.windowMs - now);
    }
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : null;
  }

  async recordFailure(source: LoginSource): Promise<void> {
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    await this.db.kysely
      .insertInto('login_attempts')
      .values(this.keys(source).map(([key]) => ({ key, created_at: createdAt })))
      .execute();
    // Housekeeping: failures older than the window no longer count.
    await this.db.kysely
      .deleteFrom('login_attempts')
      .where('created_at', '<=', new Date(now - this.rules.windowMs).toISOString())
      .execute();
  }

  /** A successful login forgives that username's failures (not the address's). */
  async recordSuccess(source: LoginSource): Promise<void> {
    await this.db.kysely.deleteFrom('login_attempts').where('key', '=', this.keys(source)[0][0]).execute();
  }

  private keys(source: LoginSource): [string, number][] {
    return [
      [`user:${source.username.toLowerCase()}`, this.rules.perUsername],
      [`ip:${source.ip}`, this.rules.perIp],
    ];
  }
}
