import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../index.js';

/**
 * License key hints used to be the last four characters of any key, half of an 8-character one.
 * Now only keys of 16 or more characters get a hint (src/sites/service.ts). A stored key's length
 * cannot be known here without decrypting it, so every hint written before the rule is dropped;
 * saving a key again writes its hint under the new rule.
 */
export function licenseKeyHintsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`UPDATE license_activations SET license_key_hint = ''`.execute(db);
    },
  };
}
