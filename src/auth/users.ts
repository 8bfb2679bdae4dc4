import type { AuditRecorder } from '../audit/types.js';
import type { Db } from '../db/index.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { hashPassword } from './password.js';
import type { AuthUser, Role } from './types.js';

/** A panel account as the admin screens show it (never the password hash). */
export interface UserRecord extends AuthUser {
  createdAt: string;
  /** Sites assigned to this user (meaningful for role `user`; admins see every site anyway). */
  siteIds: number[];
}

export interface NewUser {
  username: string;
  password: string;
  role: Role;
}

/** Who performs an account change, for the audit log (`null` user = CLI or first start). */
export interface Actor {
  user: AuthUser | null;
  via: 'panel' | 'cli' | 'env';
}

/** Accounts and their site assignments. Every change is audited. */
export class UserService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditRecorder,
  ) {}

  async count(): Promise<number> {
    const row = await this.db.kysely.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The user and their password hash, for login only. */
  async findForLogin(username: string): Promise<{ user: AuthUser; passwordHash: string } | undefined> {
    const row = await this.db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'role', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirst();
    if (!row) return undefined;
    return { user: { id: row.id, username: row.username, role: row.role }, passwordHash: row.password_hash };
  }

  async create(input: NewUser, actor: Actor): Promise<UserRecord> {
    const passwordHash = await hashPassword(input.password);
    const createdAt = new Date().toISOString();
    let id: number;
    try {
      const row = await this.db.kysely
        .insertInto('users')
        .values({ username: input.username, password_hash: passwordHash, role: input.role, created_at: createdAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A user named "${input.username}" already exists.`);
      throw err;
    }
    await this.audit.record({
      action: 'create',
      entityType: 'user',
      entityId: String(id),
      userId: actor.user?.id ?? null,
      siteId: null,
      outcome: 'success',
      context: { username: input.username, role: input.role, via: actor.via },
    });
    return { id, username: input.username, role: input.role, createdAt, siteIds: [] };
  }

  /**
   * Creates the first admin from ADMIN_USER / ADMIN_PASSWORD when the panel has no user yet.
   * Several instances may start at once: the loser of the race sees the unique violation and moves on.
   */
  async ensureInitialAdmin(username: string, password: string): Promise<boolean> {
    if ((await this.count()) > 0) return false;
    try {
      await this.create({ username, password, role: 'admin' }, { user: null, via: 'env' });
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false;
      throw err;
    }
  }

  async list(): Promise<UserRecord[]> {
    const users = await this.db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'role', 'created_at'])
      .orderBy('id')
      .execute();
    const links = await this.db.kysely.selectFrom('user_sites').select(['user_id', 'site_id']).orderBy('site_id').execute();
    return users.map((u) => ({
      id: u.id,
      username: u.username,
      role: u.role,
      createdAt: u.created_at,
      siteIds: links.filter((l) => l.user_id === u.id).map((l) => l.site_id),
    }));
  }

  async get(id: number): Promise<UserRecord> {
    const u = await this.db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'role', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!u) throw new NotFoundError(`User ${id} not found.`);
    return { id: u.id, username: u.username, role: u.role, createdAt: u.created_at, siteIds: await this.assignedSiteIds(id) };
  }

  async assignedSiteIds(userId: number): Promise<number[]> {
    const rows = await this.db.kysely
      .selectFrom('user_sites')
      .select('site_id')
      .where('user_id', '=', userId)
      .orderBy('site_id')
      .execute();
    return rows.map((r) => r.site_id);
  }

  /** Replaces the user's site assignments. Unknown site ids are a 400 naming them. */
  async setSites(userId: number, siteIds: number[], actor: Actor): Promise<UserRecord> {
    const wanted = [...new Set(siteIds)].sort((a, b) => a - b);
    await this.get(userId);
    await this.db.kysely.transaction().execute(async (trx) => {
      if (wanted.length) {
        const found = await trx.selectFrom('sites').select('id').where('id', 'in', wanted).execute();
        const known = new Set(found.map((r) => r.id));
        const unknown = wanted.filter((id) => !known.has(id));
        if (unknown.length) throw new BadRequestError(`Unknown site ids: ${unknown.join(', ')}.`, 8, { unknownSiteIds: unknown });
      }
      await trx.deleteFrom('user_sites').where('user_id', '=', userId).execute();
      if (wanted.length) {
        await trx
          .insertInto('user_sites')
          .values(wanted.map((siteId) => ({ user_id: userId, site_id: siteId })))
          .execute();
      }
    });
    await this.audit.record({
      action: 'assign_sites',
      entityType: 'user',
      entityId: String(userId),
      userId: actor.user?.id ?? null,
      siteId: null,
      outcome: 'success',
      context: { siteIds: wanted, via: actor.via },
    });
    return this.get(userId);
  }

  /** Deletes an account (its sessions and assignments go with it). Nobody deletes their own account. */
  async delete(userId: number, actor: Actor): Promise<void> {
    if (actor.user?.id === userId) throw new ConflictError('You cannot delete your own account.');
    const user = await this.get(userId);
    await this.db.kysely.deleteFrom('users').where('id', '=', userId).execute();
    await this.audit.record({
      action: 'delete',
      entityType: 'user',
      entityId: String(userId),
      userId: actor.user?.id ?? null,
      siteId: null,
      outcome: 'success',
      context: { username: user.username, role: user.role, via: actor.via },
    });
  }
}

/** A unique-constraint violation on SQLite or PostgreSQL. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
