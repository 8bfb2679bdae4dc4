import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration from the environment', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', publicUrl: 'http://localhost:8080', logLevel: 'info', demo: true, trustProxy: 0 });
    expect(c.projectSettingsDir).toBe(path.resolve('projectSettings'));
    expect(c.archivesDir).toBe(path.resolve('archives'));
    expect(c.dataDir).toBe(path.resolve('data'));
  });

  it('builds PUBLIC_URL from HOST and PORT, and takes an explicit one without its trailing slash', () => {
    expect(loadConfig({ HOST: '127.0.0.1', PORT: '9000' }).publicUrl).toBe('http://127.0.0.1:9000');
    expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://updates.example.org/wp/' }).publicUrl).toBe('https://updates.example.org/wp');
  });

  it('names the variable and the reason for each bad value', () => {
    expect(problems({ PORT: '99999' })[0]).toMatch(/^PORT: /);
    expect(problems({ PUBLIC_URL: 'ftp://x.example' })[0]).toMatch(/^PUBLIC_URL: /);
    expect(problems({ PUBLIC_URL: 'https://x.example/?a=1' })).toEqual([
      'PUBLIC_URL: must not have a query string or fragment: links are built by appending to it',
    ]);
    expect(problems({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL: /);
    expect(problems({ DATABASE_URL: 'mysql://x' })).toEqual(['DATABASE_URL: must be a postgres:// or postgresql:// URL']);
    expect(problems({ TRUST_PROXY: 'maybe' })).toEqual(['TRUST_PROXY: must be true, false or the number of proxies in front (0-16)']);
    expect(problems({ ADMIN_USER: 'admin' })).toEqual(['ADMIN_USER and ADMIN_PASSWORD must be set together']);
  });

  it('reads TRUST_PROXY as a number of proxy hops', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });
});
