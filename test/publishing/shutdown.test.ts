import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestRepo, pluginHeader } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from './support.js';
import { freePort } from '../helpers/net.js';

const ROOT = path.resolve(import.meta.dirname, '../..');


function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('graceful shutdown (the real process: tsx src/index.ts)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    // The whole process group (tsx and the server it runs), in case the test failed half-way.
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  it('finishes an in-flight download after SIGTERM, then exits 0', async () => {
    // A plugin with 24 MB of incompressible data: its zip takes a while to stream to a slow reader.
    const repo = new TestRepo();
    repo.write('big.php', pluginHeader('Big', '1.0.0')).write('payload.bin', randomBytes(24 * 1024 * 1024));
    repo.commit('release');
    repo.tag('v1.0.0');
    const root = tempDir('shutdown-');
    const settings = path.join(root, 'projectSettings');
    fs.mkdirSync(settings);
    fs.writeFileSync(path.join(settings, 'big.json'), JSON.stringify({ repository: repo.dir }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;

    let output = '';
    // tsx itself rather than `npx tsx`: npx dies on SIGTERM without passing it on, which would
    // orphan the server. tsx relays the signal to the server and exits with its exit code.
    child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/index.ts'], {
      cwd: ROOT,
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: base,
        PROJECT_SETTINGS_DIR: settings,
        DATA_DIR: path.join(root, 'data'),
        ARCHIVES_DIR: path.join(root, 'archives'),
        DEMO: 'false',
        POLL_INTERVAL_SECONDS: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = exitOf(child);

    await eventually(async () => {
      const res = await fetch(`${base}/api?action=basic_check&slug=big&version=0.1.0`).catch(() => null);
      return res && res.status === 200 ? true : undefined;
    }, 30_000, 200);

    // Start the download and read only its first chunk: the server is now blocked writing to us.
    const received: Buffer[] = [];
    let declared = -1;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${base}/api?action=download_latest&slug=big`, resolve).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    declared = Number(res.headers['content-length']);
    expect(declared).toBeGreaterThan(24 * 1024 * 1024);
    const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
    received.push(first);
    res.pause();

    child.kill('SIGTERM');
    await eventually(() => (output.includes('shutting down') ? true : undefined), 5000).catch((err: unknown) => {
      throw new Error(`${String(err)}; server output:\n${output}`);
    });
    // New connections are refused while the download is still going.
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    const refused = await fetch(`${base}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);

    res.on('data', (d: Buffer) => received.push(d));
    res.resume();
    await new Promise<void>((resolve, reject) => {
      res.on('end', resolve);
      res.on('error', reject);
    });
    const body = Buffer.concat(received);
    expect(body.length).toBe(declared);
    expect(body.subarray(0, 4).toString('binary')).toBe('PK\x03\x04');
    // End of central directory record: a complete zip.
    expect(body.subarray(body.length - 22, body.length - 18).toString('binary')).toBe('PK\x05\x06');

    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 90_000);
});
