import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { PanelClient } from '../helpers/panel.js';
import { startServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// `npx tsx` without npm's start-up cost: the same local binary.
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** Each run starts a TypeScript process; give spawn-heavy tests room on slow machines. */
const SLOW = 120_000;

function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { CLI_PASSWORD: _drop, ADMIN_USER: _a, ADMIN_PASSWORD: _b, DATABASE_URL: _c, ...base } = process.env;
    const child = spawn(TSX, ['src/cli/index.ts', ...args], {
      cwd: ROOT,
      env: { ...base, LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe.each(dbTargets)('cli create-admin (%s)', (target) => {
  it('creates an admin who can then log in to the server; refuses a duplicate', async () => {
    const database = await target.create();
    try {
      const dataDir = tempDir('cli-');
      const env = { DATA_DIR: dataDir, ...database.env };
      const created = await runCli(['create-admin', 'root-admin'], { ...env, CLI_PASSWORD: 'cli-password-123' });
      expect(created.stderr).toContain('Created admin "root-admin"');
      expect(created.code).toBe(0);
      expect(created.stderr).not.toContain('cli-password-123');
      expect(created.stdout).not.toContain('cli-password-123');

      const again = await runCli(['create-admin', 'root-admin'], { ...env, CLI_PASSWORD: 'cli-password-456' });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists');

      // Password from stdin when CLI_PASSWORD is not set.
      const piped = await runCli(['create-admin', 'second-admin'], env, 'stdin-password-789\n');
      expect(piped.code).toBe(0);

      const server = await startServer({ env: database.env, overrides: { dataDir } });
      try {
        const client = await PanelClient.login(server.url, 'root-admin', 'cli-password-123');
        expect((await client.get('/auth/session')).body.user).toMatchObject({ username: 'root-admin', role: 'admin' });
        const second = await PanelClient.login(server.url, 'second-admin', 'stdin-password-789');
        expect((await second.get('/users')).status).toBe(200);
        const audit = (await client.get('/audit?entity_type=user&action=create')).body.entries;
        expect(audit.map((e: { context: { username: string; via: string } }) => [e.context.username, e.context.via])).toEqual([
          ['second-admin', 'cli'],
          ['root-admin', 'cli'],
        ]);
        // The CLI chained its rows under the server's key.
        expect((await client.get('/audit/verify')).body).toMatchObject({ ok: true });
      } finally {
        await server.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('cli usage', () => {
  const env = () => ({ DATA_DIR: tempDir('cli-') });

  it('exits 2 with usage for no command, an unknown command, or missing arguments', async () => {
    for (const args of [[], ['no-such-command'], ['create-admin'], ['create-admin', 'a', 'b'], ['create-admin', 'bad name']]) {
      const res = await runCli(args, env());
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toContain('Usage: npm run cli -- <command>');
      expect(res.stdout).toBe('');
    }
  }, SLOW);

  it('help lists the commands and exits 0', async () => {
    const res = await runCli(['help'], env());
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('create-admin <username>');
    const detail = await runCli(['help', 'create-admin'], env());
    expect(detail.code).toBe(0);
    expect(detail.stderr).toContain('CLI_PASSWORD');
  }, SLOW);

  it('exits 1 for a password that is too short', async () => {
    const res = await runCli(['create-admin', 'someone'], { ...env(), CLI_PASSWORD: 'short' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Invalid password: must be at least 8 characters');
  }, SLOW);
});
