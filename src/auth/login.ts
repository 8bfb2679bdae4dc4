import { randomBytes } from 'node:crypto';
import type { AuditRecorder } from '../audit/types.js';
import { TooManyRequestsError, UnauthorizedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { hashPassword, verifyPassword } from './password.js';
import type { SessionStore } from './sessions.js';
import type { LoginThrottle } from './throttle.js';
import type { AuthUser } from './types.js';
import type { UserService } from './users.js';

export interface LoginResult {
  user: AuthUser;
  token: string;
  csrfToken: string;
}

export interface LoginDeps {
  users: UserService;
  sessions: SessionStore;
  throttle: LoginThrottle;
  audit: AuditRecorder;
  log: Logger;
}

/**
 * Password login. An unknown username costs the same scrypt work as a wrong password (checked
 * against a throw-away hash), so timing does not tell which usernames exist.
 */
export class LoginService {
  private readonly decoyHash: Promise<string>;

  constructor(private readonly deps: LoginDeps) {
    this.decoyHash = hashPassword(randomBytes(16).toString('hex'));
  }

  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const { users, sessions, throttle, audit, log } = this.deps;
    const source = { username, ip };
    /**
     * A refused login is logged and audited with the account it names when there is one. A typed
     * name that matches no account (or one not looked up, when throttled) is never written: it
     * may be a password typed into the wrong field.
     */
    const fail = async (reason: string, user: AuthUser | null) => {
      const who = user ? { userId: user.id, username: user.username } : {};
      await audit.record({
        action: 'login',
        entityType: 'session',
        entityId: null,
        userId: user?.id ?? null,
        siteId: null,
        outcome: 'failure',
        context: { ...(user ? { username: user.username } : {}), ip, reason },
      });
      log.info({ ...who, ip, reason }, 'panel login refused');
    };

    // Counted before the (slow) password check, so parallel guesses cannot outrun the count.
    const verdict = await throttle.begin(source);
    if (!verdict.allowed) {
      await fail('throttled', null);
      throw new TooManyRequestsError('Too many failed logins; try again later.', verdict.retryAfterSeconds);
    }

    const found = await users.findForLogin(username);
    const ok = await verifyPassword(password, found?.passwordHash ?? (await this.decoyHash));
    if (!found || !ok) {
      // The attempt recorded by begin() stays: it is this failure.
      await fail(found ? 'wrong_password' : 'unknown_user', found?.user ?? null);
      throw new UnauthorizedError('Invalid username or password.');
    }

    await throttle.succeeded(verdict.attempt);
    await sessions.pruneExpired();
    const session = await sessions.create(found.user.id);
    await audit.record({
      action: 'login',
      entityType: 'session',
      entityId: null,
      userId: found.user.id,
      siteId: null,
      outcome: 'success',
      context: { username, ip },
    });
    log.info({ userId: found.user.id, username, ip }, 'panel login');
    return { user: found.user, token: session.token, csrfToken: session.csrfToken };
  }
}
