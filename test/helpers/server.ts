import fs from 'node:fs';
import path from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { captureLogger } from './log.js';
import { tempDir } from './tmp.js';

export interface TestServer {
  app: App;
  url: string;
  config: Config;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Writes projectSettings/<slug>.json (object → JSON, string → as is). */
  writeSettings(slug: string, settings: object | string): string;
  close(): Promise<void>;
}

/**
 * Starts the real server on a free loopback port with its own temp folders.
 * `env` takes the same variables as production; `overrides` sets Config fields directly.
 */
export async function startServer(
  options: { env?: Record<string, string>; overrides?: Partial<Config>; settings?: Record<string, object | string> } = {},
): Promise<TestServer> {
  const root = tempDir('server-');
  const projectSettingsDir = path.join(root, 'projectSettings');
  fs.mkdirSync(projectSettingsDir, { recursive: true });
  const writeSettings = (slug: string, settings: object | string) => {
    const file = path.join(projectSettingsDir, `${slug}.json`);
    fs.writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2));
    return file;
  };
  for (const [slug, s] of Object.entries(options.settings ?? {})) writeSettings(slug, s);

  // Tests that call the loopback fake sites (ALLOW_PRIVATE_SITES) call them over http:// with
  // license keys and credentials: they allow that too unless they say otherwise.
  const httpSites = options.env?.ALLOW_PRIVATE_SITES === 'true' ? { ALLOW_HTTP_SITES: 'true' } : {};
  const config = loadConfig(
    { LOG_LEVEL: 'debug', DEMO: 'false', POLL_INTERVAL_SECONDS: '0', ...httpSites, ...options.env },
    {
      host: '127.0.0.1',
      port: 0,
      projectSettingsDir,
      archivesDir: path.join(root, 'archives'),
      dataDir: path.join(root, 'data'),
      ...options.overrides,
    },
  );
  const { log, lines: logs } = captureLogger(config.logLevel);
  const app = await createApp(config, log);
  await app.listen();
  const url = app.url();
  if (!options.overrides?.publicUrl && !options.env?.PUBLIC_URL) app.config.publicUrl = url;
  return { app, url, config: app.config, logs, writeSettings, close: () => app.close() };
}
