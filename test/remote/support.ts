import { expect } from 'vitest';
import type { PanelClient } from '../helpers/panel.js';

/** Polls GET /remote/jobs/:id until the job is completed or failed. */
export async function waitForJob(client: PanelClient, id: number, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get(`/remote/jobs/${id}`);
    expect(res.status).toBe(200);
    if (res.body.job.status === 'completed' || res.body.job.status === 'failed') return res.body.job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.body.job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Audit entries (newest first) matching the query, e.g. `entity_type=remote_plugin`. */
export async function auditEntries(client: PanelClient, query: string): Promise<any[]> {
  const res = await client.get(`/audit?limit=200&${query}`);
  expect(res.status).toBe(200);
  return res.body.entries;
}
