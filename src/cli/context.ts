import { loadConfig, type Config } from '../config.js';
import { databaseOptions, openDatabase, type Db } from '../db/index.js';
import { createLogger, type Logger } from '../logger.js';
import type { CliIo } from './command.js';

export interface CliContext {
  config: Config;
  log: Logger;
  db: Db;
  close(): Promise<void>;
}

/**
 * The server's configuration and database (same DATA_DIR / DATABASE_URL as the server, migrations
 * applied), with warnings and errors logged to stderr so stdout stays clean for results.
 */
export async function openCliContext(io: CliIo): Promise<CliContext> {
  const config = loadConfig(io.env);
  const log = createLogger('warn', io.stderr);
  const db = await openDatabase(databaseOptions(config), log);
  return { config, log, db, close: () => db.close() };
}
