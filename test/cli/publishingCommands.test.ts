import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pluginHeader } from '../helpers/git.js';
import { startServer } from '../helpers/server.js';
import { listZip, readZipMember } from '../helpers/zip.js';
import { eventually, latestOf, PluginRemote } from '../publishing/support.js';
import { cli, workspace } from './publishingSupport.js';

describe('cli validate', () => {
  it('prints file: key: why for every problem and exits 1', async () => {
    const ws = workspace();
    const good = ws.write('good', { repository: '/srv/git/good.git' });
    const bad = ws.write('bad', { type: 'module', allowed: 'everyone' });
    const literal = ws.write('literal', { repository: 'https://git.example.org/x.git', webhookSecret: 'abc' });
    const missingEnv = ws.write('noenv', { repository: 'https://git.example.org/x.git', webhookSecret: { env: 'NOT_SET_ANYWHERE' } });
    ws.write('Bad Name', { repository: '/x' });

    const run = await cli(['validate'], ws.env);

    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toContain(`${bad}: repository: is required: the path or git URL of the project repository`);
    expect(lines).toContain(`${bad}: type: must be "plugin" or "theme"`);
    expect(lines.some((l) => l.startsWith(`${bad}: allowed: `))).toBe(true);
    expect(lines).toContain(`${missingEnv}: webhookSecret: environment variable NOT_SET_ANYWHERE is not set`);
    expect(lines.some((l) => l.startsWith(`warning: ${literal}: webhookSecret: is a literal`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${path.join(ws.settingsDir, 'Bad Name.json')}: file name "Bad Name.json" is not <slug>.json`))).toBe(true);
    expect(lines.some((l) => l.startsWith(good))).toBe(false);
    expect(run.stderr).toBe('5 settings files checked: 3 invalid.\n');
  });

  it('exits 0 when every file is valid, resolving secrets from the environment', async () => {
    const ws = workspace();
    ws.write('one', { repository: '/srv/git/one.git' });
    ws.write('two', '// a comment line, as in the original format\n{ "repository": "https://git.example.org/two.git", "webhookSecret": {"env": "TWO_SECRET"} }');
    const run = await cli(['validate'], { ...ws.env, TWO_SECRET: 's' });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '2 settings files checked: all valid.\n' });
  });

  it('checks only the files named', async () => {
    const ws = workspace();
    const one = ws.write('one', { repository: '/srv/git/one.git' });
    ws.write('broken', '{');
    const run = await cli(['validate', one], ws.env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('1 settings file checked: all valid.\n');
  });

  it('fails when the settings folder is missing, and rejects unknown options with exit 2', async () => {
    const ws = workspace();
    const missing = path.join(ws.root, 'nope');
    const run = await cli(['validate'], { ...ws.env, PROJECT_SETTINGS_DIR: missing });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${missing}: cannot read the project settings folder (ENOENT)\n`);
    const usage = await cli(['validate', '--strict'], ws.env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Unknown option "--strict".');
  });
});

describe('cli configuration and side effects', () => {
  it('exits 2 on a bad environment variable, as the server does, naming it on stderr', async () => {
    const ws = workspace();
    ws.write('one', { repository: '/srv/git/one.git' });
    for (const command of [['validate'], ['projects'], ['refresh', 'one'], ['build', 'one']]) {
      const run = await cli(command, { ...ws.env, POLL_INTERVAL_SECONDS: 'often' });
      expect([command[0], run.code]).toEqual([command[0], 2]);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('POLL_INTERVAL_SECONDS');
      expect(run.stderr).not.toContain('Usage:');
    }
  });

  it('validate: problems of a named file go to stdout and exit 1, also for a file that cannot be read', async () => {
    const ws = workspace();
    const missing = path.join(ws.settingsDir, 'missing.json');
    const run = await cli(['validate', missing], ws.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${missing}: cannot read the file (ENOENT)\n`);
    expect(run.stderr).toBe('1 settings file checked: 1 invalid.\n');
  });

  it('does not create the demo repository (only the server does, at start)', async () => {
    const ws = workspace();
    const demoRepo = path.join(ws.root, 'data', 'demo', 'hello-updates');
    ws.write('hello-updates', { repository: demoRepo, prereleaseBranches: ['beta'] });
    const env = { ...ws.env, DEMO: 'true' };

    const listed = await cli(['projects'], env);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain(`error: repository not readable: repository ${demoRepo} does not exist or is not a directory`);
    expect((await cli(['refresh', 'hello-updates'], env)).code).toBe(1);
    expect((await cli(['build', 'hello-updates'], env)).code).toBe(1);
    expect(fs.existsSync(demoRepo)).toBe(false);
  });
});

describe('cli projects', () => {
  it('lists branches, releases and problems; exit 1 when anything needs attention', async () => {
    const ws = workspace();
    const remote = new PluginRemote('remote-one');
    remote.release('1.1.0');
    // A tag whose header disagrees: not served, reported.
    remote.dev.write('remote-one.php', pluginHeader('remote-one', '1.1.9'));
    remote.dev.commit('forgot the header');
    remote.dev.tag('v1.2.0');
    remote.dev.git('push', '-q', 'origin', 'main', 'v1.2.0');
    ws.write('remote-one', { repository: remote.fileUrl });
    ws.write('gone', { repository: `file://${ws.root}/no-such-repo.git` });
    const bad = ws.write('bad', { repository: '-oProxyCommand=x' });

    const run = await cli(['projects'], ws.env);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `remote-one  (plugin, ${remote.fileUrl})\n  main (default): 1.1.0 (tag v1.1.0); also 1.2.0, 1.0.0\n  problem: tag v1.2.0 on main: remote-one.php says Version 1.1.9, the tag says 1.2.0; not served\n`,
    );
    expect(run.stdout).toMatch(/gone {2}\(plugin, file:\/\/.+\/no-such-repo\.git\)\n {2}error: repository not readable: fetch from file:\/\/.+ failed: fatal: '.+no-such-repo\.git' does not appear to be a git repository/);
    expect(run.stdout).toContain(`Settings files not loaded:\n  ${bad}: repository: must not start with "-" (git would read it as an option)`);
  });

  it('exits 0 with a clean list, and prints JSON for scripts', async () => {
    const ws = workspace();
    const remote = new PluginRemote('clean');
    remote.dev.checkout('beta', true);
    remote.dev.write('clean.php', pluginHeader('clean', '2.0.0-beta.1'));
    remote.dev.commit('beta');
    remote.dev.tag('v2.0.0-beta.1');
    remote.dev.git('push', '-q', 'origin', 'beta', 'v2.0.0-beta.1');
    ws.write('clean', { repository: remote.bare, prereleaseBranches: ['beta'] });

    const text = await cli(['projects'], ws.env);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      `clean  (plugin, ${remote.bare})\n  main (default): 1.0.0 (tag v1.0.0)\n  beta (pre-release channel): 2.0.0-beta.1 (tag v2.0.0-beta.1); also 1.0.0\n`,
    );

    const json = await cli(['projects', '--json'], ws.env);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { projects: { slug: string; status: string; defaultBranch: string; branches: { name: string; latest: { version: string; tag: string } }[] }[]; settingsProblems: unknown[] };
    expect(parsed.settingsProblems).toEqual([]);
    expect(parsed.projects).toHaveLength(1);
    expect(parsed.projects[0]).toMatchObject({ slug: 'clean', status: 'ready', defaultBranch: 'main', error: null, problems: [] });
    expect(parsed.projects[0]!.branches.map((b) => [b.name, b.latest.version, b.latest.tag])).toEqual([
      ['main', '1.0.0', 'v1.0.0'],
      ['beta', '2.0.0-beta.1', 'v2.0.0-beta.1'],
    ]);
  });
});

describe('cli refresh', () => {
  it('fetches the remote now and shows the new release', async () => {
    const ws = workspace();
    const remote = new PluginRemote('fresh');
    ws.write('fresh', { repository: remote.fileUrl });
    expect((await cli(['refresh', 'fresh'], ws.env)).stdout).toContain('main (default): 1.0.0 (tag v1.0.0)');
    remote.release('1.4.0');

    const run = await cli(['refresh', 'fresh'], ws.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`fresh  (plugin, ${remote.fileUrl})\n  main (default): 1.4.0 (tag v1.4.0); also 1.0.0\n`);
    expect(fs.existsSync(path.join(ws.env.DATA_DIR, 'mirrors', 'fresh.git'))).toBe(true);
  });

  it('exits 1 for an unknown, disabled or unreadable project and 2 for bad arguments', async () => {
    const ws = workspace();
    const disabled = ws.write('disabled', { repository: '' });
    ws.write('unreadable', { repository: `file://${ws.root}/missing.git` });

    const unknown = await cli(['refresh', 'nope'], ws.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`Unknown project "nope": no nope.json in ${ws.settingsDir}.\n`);

    const off = await cli(['refresh', 'disabled'], ws.env);
    expect(off.code).toBe(1);
    expect(off.stderr).toBe(`Project "disabled" is disabled by its settings file:\n  ${disabled}: repository: must not be empty\n`);

    const failing = await cli(['refresh', 'unreadable'], ws.env);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('error: repository not readable: fetch from file://');

    for (const argv of [['refresh'], ['refresh', 'a', 'b'], ['refresh', '../etc'], ['refresh', 'x', '--force']]) {
      const run = await cli(argv, ws.env);
      expect(run.code, argv.join(' ')).toBe(2);
    }
  });
});

describe('cli build', () => {
  async function project() {
    const ws = workspace();
    const remote = new PluginRemote('zipped');
    remote.release('1.1.0');
    remote.dev.checkout('beta', true);
    remote.release('1.2.0-beta.1', 'beta');
    remote.dev.checkout('main');
    remote.dev.write('zipped.php', pluginHeader('zipped', '1.1.1'));
    remote.dev.commit('header not bumped');
    remote.dev.tag('v1.2.0');
    remote.dev.git('push', '-q', 'origin', 'main', 'v1.2.0');
    ws.write('zipped', { repository: remote.fileUrl, prereleaseBranches: ['beta'] });
    return { ws, remote };
  }

  it("builds every branch's latest release into ARCHIVES_DIR", async () => {
    const { ws } = await project();
    const run = await cli(['build', 'zipped'], ws.env);
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ['beta', '1.2.0-beta.1'],
      ['main', '1.1.0'],
    ]);
    for (const [, version, file, size] of rows) {
      expect(file!.startsWith(path.join(ws.env.ARCHIVES_DIR, 'zipped', `zipped-${version}-`))).toBe(true);
      expect(fs.statSync(file!).size).toBe(Number(size));
      expect(listZip(file!).map((e) => e.name)).toContain('zipped/zipped.php');
      expect(readZipMember(file!, 'zipped/zipped.php')).toContain(`Version: ${version}`);
    }
  });

  it('builds one branch or one older version', async () => {
    const { ws } = await project();
    const beta = await cli(['build', 'zipped', '--branch', 'beta'], ws.env);
    expect(beta.code).toBe(0);
    expect(beta.stdout.split('\t').slice(0, 2)).toEqual(['beta', '1.2.0-beta.1']);
    const old = await cli(['build', 'zipped', '--version=1.0.0'], ws.env);
    expect(old.code).toBe(0);
    expect(old.stdout.split('\t').slice(0, 2)).toEqual(['main', '1.0.0']);
  });

  it('refuses versions that are not served and unknown branches with exit 1, bad arguments with exit 2', async () => {
    const { ws } = await project();
    const mismatched = await cli(['build', 'zipped', '--version', '1.2.0'], ws.env);
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toBe('Tag v1.2.0: zipped.php does not say Version 1.2.0; it is not served, so not built.\n');
    const missing = await cli(['build', 'zipped', '--version', '9.9.9'], ws.env);
    expect(missing).toMatchObject({ code: 1, stderr: 'Version 9.9.9 is not a release of branch main of zipped.\n' });
    const nobranch = await cli(['build', 'zipped', '--branch', 'nope'], ws.env);
    expect(nobranch).toMatchObject({ code: 1, stderr: 'zipped has no branch "nope".\n' });
    expect(fs.existsSync(path.join(ws.env.ARCHIVES_DIR, 'zipped'))).toBe(false);
    for (const argv of [['build'], ['build', 'zipped', '--branch'], ['build', 'zipped', '--branch=-x'], ['build', 'zipped', '--version', '--upload-pack=x']]) {
      expect((await cli(argv, ws.env)).code, argv.join(' ')).toBe(2);
    }
  });
});

describe('cli refresh --notify', () => {
  it('makes the running server re-read the project through its webhook', async () => {
    process.env.CLI_NOTIFY_SECRET = 'cli-notify-secret';
    const remote = new PluginRemote('notified');
    const server = await startServer({ settings: { notified: { repository: remote.fileUrl, webhookSecret: { env: 'CLI_NOTIFY_SECRET' } } } });
    try {
      await server.app.ready;
      remote.release('2.0.0');
      const env = {
        PROJECT_SETTINGS_DIR: server.config.projectSettingsDir,
        DATA_DIR: server.config.dataDir,
        ARCHIVES_DIR: server.config.archivesDir,
        PUBLIC_URL: server.url,
        DEMO: 'false',
        CLI_NOTIFY_SECRET: 'cli-notify-secret',
      };
      const run = await cli(['refresh', 'notified', '--notify'], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('main (default): 2.0.0 (tag v2.0.0)');
      expect(run.stderr).toBe(`Server at ${server.url} notified: it is re-reading notified.\n`);
      await eventually(() => (latestOf(server.app.releases, 'notified') === '2.0.0' ? true : undefined), 2000);

      const wrong = await cli(['refresh', 'notified', '--notify'], { ...env, CLI_NOTIFY_SECRET: 'another' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toBe(`Server at ${server.url} answered 401 to the notification.\n`);
    } finally {
      await server.close();
    }
  });
});

describe('cli as a process', () => {
  it('exits with the command exit code (tsx src/cli/index.ts)', async () => {
    const ws = workspace();
    ws.write('broken', { repository: '' });
    const root = path.resolve(import.meta.dirname, '../..');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        execFile(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/index.ts', ...args], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...ws.env } }, (err, stdout) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout }),
        );
      });
    const invalid = await run(['validate']);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe(`${path.join(ws.settingsDir, 'broken.json')}: repository: must not be empty\n`);
    expect((await run(['refresh'])).code).toBe(2);
    fs.rmSync(path.join(ws.settingsDir, 'broken.json'));
    expect((await run(['validate'])).code).toBe(0);
  }, 60_000);
});
