import type { Kysely, Transaction } from 'kysely';
import type { AuditRecorder } from '../audit/types.js';
import type { AuthUser } from '../auth/types.js';
import type { Database, Db } from '../db/index.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js';
import type { CreateSiteInput, UpdateSiteInput } from './schemas.js';
import type { SecretBox } from './secretBox.js';
import type { Site, SiteAccess, SiteSecrets } from './types.js';

/** Where each secret lives; the string is bound into its ciphertext (see SecretBox). */
const secretContext = {
  licenseKey: (siteId: number) => `license_activations.license_key:${siteId}`,
  multisiteUser: (siteId: number) => `sites.multisite_user:${siteId}`,
  multisitePassword: (siteId: number) => `sites.multisite_password:${siteId}`,
};

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Registered WordPress sites. Secrets (license key, multisite credentials) are encrypted before
 * they reach the database and only leave it decrypted through getSecrets, for outbound calls.
 */
export class SiteService implements SiteAccess {
  private readonly allowHttpSites: boolean;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly audit: AuditRecorder,
    /** allowHttpSites (ALLOW_HTTP_SITES): an http:// site may hold a license key or credentials. Default false. */
    options: { allowHttpSites?: boolean } = {},
  ) {
    this.allowHttpSites = options.allowHttpSites ?? false;
  }

  /** Admins: every site. Users: the sites assigned to them. */
  async list(user: AuthUser): Promise<Site[]> {
    let query = this.selectSites(this.db.kysely);
    if (user.role !== 'admin') {
      query = query.where('sites.id', 'in', (eb) =>
        eb.selectFrom('user_sites').select('user_sites.site_id').where('user_sites.user_id', '=', user.id),
      );
    }
    return (await query.orderBy('sites.id').execute()).map(toSite);
  }

  async get(siteId: number): Promise<Site> {
    const row = await this.selectSites(this.db.kysely).where('sites.id', '=', siteId).executeTakeFirst();
    if (!row) throw new NotFoundError(`Site ${siteId} not found.`);
    return toSite(row);
  }

  async getForUser(user: AuthUser, siteId: number): Promise<Site> {
    const site = await this.get(siteId);
    if (user.role === 'admin') return site;
    const link = await this.db.kysely
      .selectFrom('user_sites')
      .select('site_id')
      .where('user_id', '=', user.id)
      .where('site_id', '=', siteId)
      .executeTakeFirst();
    if (!link) throw new ForbiddenError(`You have no access to site ${siteId}.`);
    return site;
  }

  async getSecrets(siteId: number): Promise<SiteSecrets> {
    const site = await this.db.kysely
      .selectFrom('sites')
      .select(['id', 'multisite_user_enc', 'multisite_password_enc'])
      .where('id', '=', siteId)
      .executeTakeFirst();
    if (!site) throw new NotFoundError(`Site ${siteId} not found.`);
    const license = await this.db.kysely
      .selectFrom('license_activations')
      .select('license_key_enc')
      .where('site_id', '=', siteId)
      .where('status', '=', 'active')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const open = (value: string | null | undefined, context: string) => {
      if (value == null) return null;
      try {
        return this.box.decrypt(value, context);
      } catch {
        // Never include the value: it is the secret's ciphertext at best.
        throw new Error(`Cannot decrypt a secret of site ${siteId}: was SECRET_KEY changed?`);
      }
    };
    return {
      licenseKey: open(license?.license_key_enc, secretContext.licenseKey(siteId)),
      multisiteUser: open(site.multisite_user_enc, secretContext.multisiteUser(siteId)),
      multisitePassword: open(site.multisite_password_enc, secretContext.multisitePassword(siteId)),
    };
  }

  async create(input: CreateSiteInput, actor: AuthUser): Promise<Site> {
    this.checkTransport(input.url, Boolean(input.licenseKey), Boolean(input.multisite));
    const now = new Date().toISOString();
    const siteId = await this.db.kysely.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('sites')
        .values({
          name: input.name,
          url: input.url,
          is_multisite: input.multisite ? 1 : 0,
          multisite_user_enc: null,
          multisite_password_enc: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // Secrets are bound to the row id, known only now.
      if (input.multisite) await this.writeMultisite(trx, id, input.multisite);
      if (input.licenseKey) await this.writeLicenseKey(trx, id, input.licenseKey, now);
      return id;
    });
    const site = await this.get(siteId);
    await this.audit.record({
      action: 'create',
      entityType: 'site',
      entityId: String(siteId),
      userId: actor.id,
      siteId,
      outcome: 'success',
      context: { name: site.name, url: site.url, isMultisite: site.isMultisite, hasLicenseKey: site.hasLicenseKey },
    });
    return site;
  }

  async update(siteId: number, input: UpdateSiteInput, actor: AuthUser): Promise<Site> {
    const current = await this.get(siteId);
    // Checked when the change touches the URL or a secret; renaming a site stored earlier is not refused.
    if (input.url !== undefined || input.licenseKey || input.multisite) {
      this.checkTransport(
        input.url ?? current.url,
        input.licenseKey !== undefined ? input.licenseKey !== null : current.hasLicenseKey,
        input.multisite !== undefined ? input.multisite !== null : current.hasMultisiteCredentials,
      );
    }
    const now = new Date().toISOString();
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('sites')
        .set({
          updated_at: now,
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.url !== undefined ? { url: input.url } : {}),
        })
        .where('id', '=', siteId)
        .execute();
      if (input.licenseKey !== undefined) {
        await trx.deleteFrom('license_activations').where('site_id', '=', siteId).execute();
        if (input.licenseKey !== null) await this.writeLicenseKey(trx, siteId, input.licenseKey, now);
      }
      if (input.multisite === null) {
        await trx
          .updateTable('sites')
          .set({ is_multisite: 0, multisite_user_enc: null, multisite_password_enc: null })
          .where('id', '=', siteId)
          .execute();
      } else if (input.multisite !== undefined) {
        await this.writeMultisite(trx, siteId, input.multisite);
      }
    });
    const site = await this.get(siteId);
    await this.audit.record({
      action: 'update',
      entityType: 'site',
      entityId: String(siteId),
      userId: actor.id,
      siteId,
      outcome: 'success',
      // Which fields changed, never their secret values.
      context: {
        changed: Object.keys(input)
          .filter((k) => input[k as keyof UpdateSiteInput] !== undefined)
          .sort(),
        name: site.name,
        url: site.url,
        isMultisite: site.isMultisite,
        hasLicenseKey: site.hasLicenseKey,
      },
    });
    return site;
  }

  async delete(siteId: number, actor: AuthUser): Promise<void> {
    const site = await this.get(siteId);
    // license_activations and user_sites rows go with it (ON DELETE CASCADE).
    await this.db.kysely.deleteFrom('sites').where('id', '=', siteId).execute();
    await this.audit.record({
      action: 'delete',
      entityType: 'site',
      entityId: String(siteId),
      userId: actor.id,
      siteId,
      outcome: 'success',
      context: { name: site.name, url: site.url },
    });
  }

  /** Secrets travel in request headers: an http:// site may hold none unless ALLOW_HTTP_SITES is on. */
  private checkTransport(url: string, licenseKey: boolean, multisite: boolean): void {
    if (this.allowHttpSites || !url.startsWith('http://') || (!licenseKey && !multisite)) return;
    const secrets = [licenseKey ? 'a license key' : '', multisite ? 'multisite credentials' : ''].filter(Boolean).join(' and ');
    const message =
      `an http:// site cannot hold ${secrets}: the panel would send them unencrypted. ` +
      'Use the https:// address, or set ALLOW_HTTP_SITES=true (trusted networks only)';
    throw new BadRequestError(`Invalid request body: url: ${message}`, 8, { issues: [{ path: 'url', message }] });
  }

  private async writeLicenseKey(trx: Executor, siteId: number, key: string, now: string): Promise<void> {
    await trx
      .insertInto('license_activations')
      .values({
        site_id: siteId,
        license_key_enc: this.box.encrypt(key, secretContext.licenseKey(siteId)),
        license_key_hint: licenseKeyHint(key),
        status: 'active',
        activated_at: now,
      })
      .execute();
  }

  private async writeMultisite(trx: Executor, siteId: number, creds: { user: string; password: string }): Promise<void> {
    await trx
      .updateTable('sites')
      .set({
        is_multisite: 1,
        multisite_user_enc: this.box.encrypt(creds.user, secretContext.multisiteUser(siteId)),
        multisite_password_enc: this.box.encrypt(creds.password, secretContext.multisitePassword(siteId)),
      })
      .where('id', '=', siteId)
      .execute();
  }

  private selectSites(db: Executor) {
    return db
      .selectFrom('sites')
      .select((eb) => [
        'sites.id',
        'sites.name',
        'sites.url',
        'sites.is_multisite',
        'sites.created_at',
        'sites.updated_at',
        eb
          .case()
          .when('sites.multisite_user_enc', 'is not', null)
          .then(1)
          .else(0)
          .end()
          .as('has_multisite_credentials'),
        eb
          .selectFrom('license_activations')
          .select('license_activations.license_key_hint')
          .whereRef('license_activations.site_id', '=', 'sites.id')
          .where('license_activations.status', '=', 'active')
          .orderBy('license_activations.id', 'desc')
          .limit(1)
          .as('license_key_hint'),
      ]);
  }
}

interface SiteRow {
  id: number;
  name: string;
  url: string;
  is_multisite: number;
  created_at: string;
  updated_at: string;
  has_multisite_credentials: number | string;
  license_key_hint: string | null;
}

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    isMultisite: Number(row.is_multisite) === 1,
    // The row exists (hint '' for a key too short to hint at) or not (null).
    hasLicenseKey: row.license_key_hint !== null,
    hasMultisiteCredentials: Number(row.has_multisite_credentials) === 1,
    licenseKeyHint: row.license_key_hint || null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Keys shorter than this get no hint: four characters would give away too much of them. */
export const MIN_KEY_LENGTH_FOR_HINT = 16;

/** The last four characters of a key of at least 16 characters; '' (shown as null) for a shorter one. */
export function licenseKeyHint(key: string): string {
  return key.length >= MIN_KEY_LENGTH_FOR_HINT ? key.slice(-4) : '';
}
