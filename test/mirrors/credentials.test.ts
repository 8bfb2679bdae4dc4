import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MirrorSource } from '../../src/mirrors/index.js';
import { ReleaseService } from '../../src/releases/service.js';
import { git } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, latestOf, PluginRemote, registryWith } from '../publishing/support.js';

/**
 * Real git behind two spies on PATH: a `git` wrapper that records every argv (and the names of
 * the environment variables) before running the real git, and an `ssh` that records its argv and
 * serves the repository locally (so the ssh code path runs without any network).
 */
const spyDir = process.env.SPY_DIR ?? tempDir('spy-');
const argvLog = path.join(spyDir, 'argv.log');
const sshLog = path.join(spyDir, 'ssh.log');
const realGit = fs.realpathSync('/usr/bin/git');
const originalPath = process.env.PATH;

function writeSpies(): void {
  fs.writeFileSync(
    path.join(spyDir, 'git'),
    `#!/bin/bash
# One write per line, so that lines of concurrent processes never interleave.
line="START $$$(printf ' %q' "$@") ENV $(env | cut -d= -f1 | tr '\\n' ' ')"
printf '%s\\n' "$line" >> '${argvLog}'
'${realGit}' "$@"
rc=$?
printf 'END %s\\n' "$$" >> '${argvLog}'
exit $rc
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(spyDir, 'ssh'),
    `#!/bin/bash
{ printf 'SSH'; printf ' %q' "$@"; printf '\\n'; } >> '${sshLog}'
[ "$1" = "-G" ] && exit 0
exec sh -c "\${@: -1}"
`,
    { mode: 0o755 },
  );
}

/** `git http-backend` behind a Basic-auth check: a private https-like host on loopback. */
function privateHost(projectRoot: string, user: string, password: string): Promise<{ url: string; auth: string[]; close: () => void }> {
  const auth: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    auth.push(req.headers.authorization ?? '(none)');
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('denied');
      return;
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn(realGit, ['http-backend'], {
      env: {
        PATH: originalPath,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [k, ...v] = line.split(':');
        if (k!.toLowerCase() === 'status') status = Number.parseInt(v.join(':').trim(), 10);
        else res.setHeader(k!, v.join(':').trim());
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth, close: () => server.close() }),
    ),
  );
}

/** Every file under a folder, as text, for "the secret is nowhere on disk" checks. */
function allText(dir: string): string {
  let out = '';
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isFile()) out += fs.readFileSync(full, 'latin1');
  }
  return out;
}

describe('private remotes', () => {
  beforeAll(() => {
    writeSpies();
    process.env.PATH = `${spyDir}:${originalPath}`;
  });
  afterAll(() => {
    process.env.PATH = originalPath;
  });

  it('sends an https password only as an Authorization header from the environment: never in argv, config, logs or errors', async () => {
    const password = 'tok-7Hq2-SECRET';
    const basic = Buffer.from(`deploy:${password}`).toString('base64');
    const remote = new PluginRemote('privy');
    const root = path.dirname(remote.bare);
    const host = await privateHost(root, 'deploy', password);
    const repository = `${host.url}/${path.basename(remote.bare)}`;
    const dataDir = tempDir('data-');
    const { log, text } = captureLogger();
    const { registry, write } = await registryWith(
      { privy: { repository, credentials: { username: 'deploy', password: { env: 'PRIVY_TOKEN' } } } },
      log,
      { PRIVY_TOKEN: password },
    );
    const releases = new ReleaseService(registry, new MirrorSource({ dataDir, log }), log);
    fs.writeFileSync(argvLog, '');
    const [state] = await releases.start();

    expect(state!.error).toBeNull();
    expect(latestOf(releases, 'privy')).toBe('1.0.0');
    expect(host.auth.length).toBeGreaterThan(0);
    expect(new Set(host.auth)).toEqual(new Set([`Basic ${basic}`]));
    const argv = fs.readFileSync(argvLog, 'utf8');
    expect(argv).toContain('fetch');
    expect(argv).toContain('GIT_CONFIG_VALUE_0');
    expect(argv).not.toContain(password);
    expect(argv).not.toContain(basic);
    expect(text()).not.toContain(password);
    expect(text()).not.toContain(basic);
    expect(allText(dataDir)).not.toContain(password);
    expect(allText(dataDir)).not.toContain(basic);

    // A wrong token: the fetch fails, the error and the logs say why without the secret.
    host.auth.length = 0;
    const wrong = 'WRONG-tok-99';
    write('privy', { repository, credentials: { username: 'deploy', password: { env: 'WRONG' } } });
    const reloaded = await registryWith(
      { privy: { repository, credentials: { username: 'deploy', password: { env: 'WRONG' } } } },
      log,
      { WRONG: wrong },
    );
    const again = new ReleaseService(reloaded.registry, new MirrorSource({ dataDir, log }), log);
    const [failed] = await again.start();
    expect(failed!.status).toBe('failed');
    expect(failed!.error).toMatch(/^fetch from http:\/\/127\.0\.0\.1:\d+\/bare-\w+ failed: .*could not read Username/);
    expect(failed!.error).not.toContain(wrong);
    expect(text()).not.toContain(wrong);
    expect(text()).not.toContain(Buffer.from(`deploy:${wrong}`).toString('base64'));
    await releases.close();
    await again.close();
    host.close();
  });

  it('masks user names in repository URLs in every log line and error', async () => {
    const { log, text, lines } = captureLogger();
    // (http(s) URLs may not carry a user name at all: refused by the settings parser.)
    const { registry } = await registryWith({ masked: { repository: 'ssh://alice@127.0.0.1:9/nothing.git' } }, log);
    const releases = new ReleaseService(registry, new MirrorSource({ dataDir: tempDir('data-'), log }), log);
    const [state] = await releases.start();
    expect(state!.status).toBe('failed');
    expect(state!.error).toContain('ssh://***@127.0.0.1:9/nothing.git');
    expect(state!.error).not.toContain('alice');
    expect(lines.length).toBeGreaterThan(0);
    expect(text()).not.toContain('alice');
    await releases.close();
  });

  it('uses the ssh key file through GIT_SSH_COMMAND, non-interactively', async () => {
    const remote = new PluginRemote('sshy');
    const keyFile = path.join(tempDir('key-'), 'id_deploy');
    fs.writeFileSync(keyFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nKEYMATERIAL123\n', { mode: 0o600 });
    const { log, text } = captureLogger();
    const { registry } = await registryWith(
      {
        sshy: { repository: `ssh://git@127.0.0.1${remote.bare}`, credentials: { sshKeyFile: keyFile } },
        scp: { repository: `git@127.0.0.1:${remote.bare}`, info: 'sshy.php', credentials: { sshKeyFile: keyFile } },
      },
      log,
    );
    fs.writeFileSync(sshLog, '');
    fs.writeFileSync(argvLog, '');
    const releases = new ReleaseService(registry, new MirrorSource({ dataDir: tempDir('data-'), log }), log);
    const states = await releases.start();

    expect(states.map((s) => [s.slug, s.error])).toEqual([
      ['scp', null],
      ['sshy', null],
    ]);
    expect(latestOf(releases, 'sshy')).toBe('1.0.0');
    expect(latestOf(releases, 'scp')).toBe('1.0.0');
    const calls = fs
      .readFileSync(sshLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('SSH ') && !l.startsWith('SSH -G'));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      expect(call).toContain(`-i ${keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`);
      expect(call).toContain('git@127.0.0.1');
    }
    expect(fs.readFileSync(argvLog, 'utf8')).toContain('GIT_SSH_COMMAND');
    expect(text()).not.toContain('KEYMATERIAL123');
    await releases.close();
  });

  it('never runs two git processes on one mirror at once, even when callers do not coalesce', async () => {
    const remote = new PluginRemote('busy');
    const other = new PluginRemote('other');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const base = { type: 'plugin' as const, folderName: 'x', allowed: '*' as const, prereleaseBranches: [], isRemote: true };
    const busy = { ...base, slug: 'busy', file: '/s/busy.json', repository: remote.fileUrl, info: 'busy.php' };
    const second = { ...base, slug: 'other', file: '/s/other.json', repository: other.fileUrl, info: 'other.php' };
    await source.sync(busy);
    fs.writeFileSync(argvLog, '');
    remote.release('1.1.0');

    await Promise.all([...Array.from({ length: 5 }, () => source.sync(busy)), source.sync(second), source.sync(second)]);

    const mirror = source.mirrorDir('busy');
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const onMirror = new Map<string, boolean>();
    for (const line of fs.readFileSync(argvLog, 'utf8').split('\n')) {
      const [kind, pid] = line.split(' ');
      if (kind === 'START') {
        const mine = line.includes(`--git-dir ${mirror} `);
        onMirror.set(pid!, mine);
        if (mine) {
          calls++;
          maxRunning = Math.max(maxRunning, ++running);
        }
      } else if (kind === 'END' && onMirror.get(pid!)) running--;
    }
    expect(calls).toBeGreaterThanOrEqual(5 * 3);
    expect(maxRunning).toBe(1);
    expect(git(mirror, 'rev-parse', 'refs/tags/v1.1.0')).toBe(git(remote.bare, 'rev-parse', 'refs/tags/v1.1.0'));
  });
});
