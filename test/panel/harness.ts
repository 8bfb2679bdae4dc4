import { afterAll, beforeAll } from 'vitest';
import type { DbTarget } from '../helpers/db.js';
import { PanelClient } from '../helpers/panel.js';
import { startServer, type TestServer } from '../helpers/server.js';

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'admin-password-1';

export interface PanelHarness {
  server: TestServer;
  /** Signed in as the first admin (ADMIN_USER). */
  admin: PanelClient;
}

/**
 * Starts the real server on `target` with a first admin for the tests of one describe block,
 * and drops the database afterwards. Read the fields inside tests (they are set in beforeAll).
 */
export function usePanel(target: DbTarget, options: { env?: Record<string, string> } = {}): PanelHarness {
  const harness = {} as PanelHarness;
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const database = await target.create();
    drop = database.drop;
    harness.server = await startServer({
      env: { ADMIN_USER, ADMIN_PASSWORD, ...database.env, ...options.env },
    });
    harness.admin = await PanelClient.login(harness.server.url, ADMIN_USER, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await harness.server?.close();
    await drop();
  });
  return harness;
}

/** Creates a user through the API (as `admin`) and returns its id. */
export async function createUser(admin: PanelClient, username: string, password: string, role: 'admin' | 'user' = 'user') {
  const res = await admin.post('/users', { username, password, role });
  if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.user.id as number;
}

/** Creates a site through the API (as `admin`) and returns it. */
export async function createSite(admin: PanelClient, body: Record<string, unknown>) {
  const res = await admin.post('/sites', body);
  if (res.status !== 201) throw new Error(`create site failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.site as { id: number; [k: string]: unknown };
}
