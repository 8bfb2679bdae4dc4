import type { Migration } from 'kysely';
import type { Dialect } from '../index.js';

export function downloadCountsMigration(_dialect: Dialect): Migration {
  return {
    async up(db) {
      await db.schema
        .createTable('download_counts')
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('download_counts_pk', ['slug', 'version'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('download_counts').execute();
    },
  };
}
