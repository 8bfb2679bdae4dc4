import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings, readSettingsFile, type ParseResult } from '../../src/projects/parse.js';
import type { ProjectSettings, SettingsProblem } from '../../src/projects/types.js';
import { tempDir } from '../helpers/tmp.js';
import { writeJson } from './support.js';

const cwd = '/srv/updates';
const dir = tempDir('settings-');

/** Writes <slug>.json into a real folder and reads it back through readSettingsFile. */
async function load(slug: string, content: object | string, env: NodeJS.ProcessEnv = {}): Promise<ParseResult> {
  return readSettingsFile(writeJson(dir, `${slug}.json`, content), { env, cwd });
}

async function ok(slug: string, content: object | string, env: NodeJS.ProcessEnv = {}): Promise<ProjectSettings> {
  const result = await load(slug, content, env);
  if (!result.ok) throw new Error(`expected valid settings, got ${JSON.stringify(result.problems)}`);
  return result.settings;
}

async function problems(slug: string, content: object | string, env: NodeJS.ProcessEnv = {}): Promise<SettingsProblem[]> {
  const result = await load(slug, content, env);
  if (result.ok) throw new Error(`expected problems, got settings ${JSON.stringify(result.settings)}`);
  return result.problems;
}

describe('defaults', () => {
  it('fills every default for a plugin from the slug', async () => {
    const settings = await ok('my-plugin', { repository: 'repos/my-plugin' });
    expect(settings).toEqual({
      slug: 'my-plugin',
      file: path.join(dir, 'my-plugin.json'),
      repository: '/srv/updates/repos/my-plugin',
      isRemote: false,
      type: 'plugin',
      info: 'my-plugin.php',
      folderName: 'my-plugin',
      allowed: '*',
      prereleaseBranches: [],
    });
    for (const key of ['branch', 'readme', 'webhookSecret', 'credentials']) expect(key in settings).toBe(false);
  });

  it('resolves a relative repository against the process cwd by default', async () => {
    const result = await readSettingsFile(writeJson(dir, 'cwd-default.json', { repository: './here' }));
    expect(result.ok && result.settings.repository).toBe(path.resolve(process.cwd(), 'here'));
  });

  it('keeps an absolute local path as is', async () => {
    expect((await ok('abs', { repository: '/var/git/abs.git' })).repository).toBe('/var/git/abs.git');
  });

  it('makes a project whose info is style.css a theme', async () => {
    const s = await ok('my-theme', { repository: '/r', info: 'style.css' });
    expect([s.type, s.info, s.folderName]).toEqual(['theme', 'style.css', 'my-theme']);
  });

  it('makes a project whose info is another .css file a theme (the original rule)', async () => {
    expect((await ok('css-theme', { repository: '/r', info: 'theme/main.css' })).type).toBe('theme');
  });

  it('defaults info to style.css for type theme', async () => {
    const s = await ok('t2', { repository: '/r', type: 'theme' });
    expect([s.type, s.info]).toEqual(['theme', 'style.css']);
  });

  it('keeps an explicit type over the info file', async () => {
    const s = await ok('p2', { repository: '/r', type: 'plugin', info: 'src/main.php' });
    expect([s.type, s.info]).toEqual(['plugin', 'src/main.php']);
  });
});

describe('every key', () => {
  it('reads a complete file', async () => {
    const keyFile = path.join(dir, 'deploy_key');
    fs.writeFileSync(keyFile, 'KEY');
    const settings = await ok(
      'full',
      {
        repository: 'https://git.example.org/team/full.git',
        type: 'plugin',
        branch: 'release/2.x',
        info: 'full.php',
        readme: 'docs/readme.txt',
        folderName: 'full-plugin',
        allowed: [{ apikey: 'k1', branch: ['main', 'beta'], ip: ['10.0.0.0/8', '::1'] }, { ip: '192.168.1.7' }],
        prereleaseBranches: ['beta'],
        webhookSecret: { env: 'FULL_HOOK' },
        credentials: { username: 'deploy', password: { env: 'FULL_TOKEN' }, sshKeyFile: keyFile },
      },
      { FULL_HOOK: 'hook-secret', FULL_TOKEN: 'token-value' },
    );
    expect(settings).toEqual({
      slug: 'full',
      file: path.join(dir, 'full.json'),
      repository: 'https://git.example.org/team/full.git',
      isRemote: true,
      type: 'plugin',
      branch: 'release/2.x',
      info: 'full.php',
      readme: 'docs/readme.txt',
      folderName: 'full-plugin',
      allowed: [{ apikey: ['k1'], branch: ['main', 'beta'], ip: ['10.0.0.0/8', '::1'] }, { ip: ['192.168.1.7'] }],
      prereleaseBranches: ['beta'],
      webhookSecret: 'hook-secret',
      credentials: { username: 'deploy', password: 'token-value', sshKeyFile: keyFile },
    });
  });

  it('drops "./" from info and readme', async () => {
    const s = await ok('dots', { repository: '/r', info: './dots.php', readme: './docs/./README.md' });
    expect([s.info, s.readme]).toEqual(['dots.php', 'docs/README.md']);
  });

  it('normalises prereleaseBranches from a single string and removes duplicates', async () => {
    expect((await ok('pre1', { repository: '/r', prereleaseBranches: 'beta' })).prereleaseBranches).toEqual(['beta']);
    expect((await ok('pre2', { repository: '/r', prereleaseBranches: ['beta', 'rc', 'beta'] })).prereleaseBranches).toEqual([
      'beta',
      'rc',
    ]);
  });

  it('reports unknown keys as warnings, not problems', async () => {
    const result = await load('extra', { repository: '/r', foo: 1, apiKey: 'x' });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.file, w.slug, w.key])).toEqual([
      [path.join(dir, 'extra.json'), 'extra', 'foo'],
      [path.join(dir, 'extra.json'), 'extra', 'apiKey'],
    ]);
    expect(result.warnings[0]!.message).toContain('unknown key "foo" is ignored');
  });
});

describe('repository', () => {
  it.each([
    'https://github.com/me/plugin.git',
    'http://127.0.0.1:3000/me/plugin.git',
    'ssh://git@github.com/me/plugin.git',
    'git://example.org/plugin.git',
    'file:///var/git/plugin.git',
    'git@github.com:me/plugin.git',
    'ssh://deploy@git.example.org:2222/me/plugin.git',
  ])('takes %s as a remote, as written', async (repository) => {
    const s = await ok('remote', { repository });
    expect([s.repository, s.isRemote]).toEqual([repository, true]);
  });

  it('is required', async () => {
    expect(await problems('norepo', { type: 'plugin' })).toEqual([
      {
        file: path.join(dir, 'norepo.json'),
        slug: 'norepo',
        key: 'repository',
        message: 'is required: the path or git URL of the project repository',
      },
    ]);
  });

  it.each([
    ['--upload-pack=touch /tmp/x', 'must not start with "-"'],
    ['-x', 'must not start with "-"'],
    ['/r\n--upload-pack=x', 'control characters'],
    ['/r\0x', 'control characters'],
    ['ext::sh -c touch% /tmp/pwned', '"transport::address" form'],
    ['ftp://example.org/r.git', 'unsupported URL scheme "ftp:"'],
    ['https://user:hunter2@example.org/r.git', 'must not contain a password'],
    ['ssh://-oProxyCommand=touch/r.git', 'host must not start with "-"'],
    ['git@host:-r.git', 'must not start with "-"'],
    ['host:path/r.git', 'looks like "host:path"'],
    ['', 'must not be empty'],
    ['https://', 'not a valid URL'],
  ])('rejects %j', async (repository, reason) => {
    const [p, ...rest] = await problems('badrepo', { repository });
    expect(rest).toEqual([]);
    expect(p!.key).toBe('repository');
    expect(p!.message).toContain(reason);
    expect(p!.message).not.toContain('hunter2');
  });

  it.each([
    'https://ghp_Zx81TOKENvalue@github.com/acme/plugin.git',
    'https://x-access-token@github.com/acme/plugin.git',
    'http://deploy@127.0.0.1:3000/acme/plugin.git',
    'HTTPS://ghp_Zx81TOKENvalue@github.com/acme/plugin.git',
  ])('rejects user info in an http(s) URL (%s), pointing to credentials and never repeating it', async (repository) => {
    const all = await problems('tokenurl', { repository });
    expect(all).toEqual([
      {
        file: path.join(dir, 'tokenurl.json'),
        slug: 'tokenurl',
        key: 'repository',
        message:
          'must not contain a user name or token before "@" (it would sit in the settings file and in git\'s view of the URL): ' +
          'write the URL without it and put the user name in credentials.username and the token in credentials.password as {"env": "NAME"}',
      },
    ]);
    expect(JSON.stringify(all)).not.toMatch(/ghp_|x-access-token|deploy@/);
  });

  it('rejects a non-string', async () => {
    const [p] = await problems('numrepo', { repository: 42 });
    expect([p!.key, p!.message]).toEqual(['repository', 'must be a string (a path or git URL)']);
  });
});

describe('comments and JSON errors', () => {
  it('ignores // comment lines, indented or not', async () => {
    const text = ['// settings for commented', '{', '  // the repo', '  "repository": "/r",', '    //"branch": "x",', '  "folderName": "c"', '}', '// end'].join('\n');
    const s = await ok('commented', text);
    expect([s.repository, s.folderName, s.branch]).toEqual(['/r', 'c', undefined]);
  });

  it('does not treat // inside a value as a comment', async () => {
    expect((await ok('url', '{\n  "repository": "https://example.org/r.git"\n}')).repository).toBe('https://example.org/r.git');
  });

  it('reports the line of a syntax error after comment lines', async () => {
    const text = ['// one', '// two', '{', '  "repository": "/r"', '  "branch": "main"', '}'].join('\n');
    const [p, ...rest] = await problems('syntax', text);
    expect(rest).toEqual([]);
    expect(p!.key).toBeUndefined();
    expect(p!.file).toBe(path.join(dir, 'syntax.json'));
    expect(p!.message).toMatch(/^invalid JSON at line 5, column 3: /);
  });

  it('reports a trailing comma by line', async () => {
    const [p] = await problems('comma', '{\n"repository": "/r",\n}\n');
    expect(p!.message).toMatch(/^invalid JSON at line 3, column 1: /);
  });

  it('reports a bad literal by line and does not echo the file', async () => {
    const [p] = await problems('literal', '{\n "repository": "/r",\n "allowed": [{"apikey": secret-key}]\n}');
    expect(p!.message).toMatch(/^invalid JSON at line 3, column 25: /);
    expect(p!.message).not.toContain('secret-key');
  });

  it('reports an empty file', async () => {
    const [p] = await problems('empty', '');
    expect(p!.message).toMatch(/^invalid JSON at line 1, column 1: Unexpected end of JSON input/);
  });

  it('accepts a byte order mark', async () => {
    expect((await ok('bom', '\uFEFF{"repository": "/r"}')).repository).toBe('/r');
  });

  it('wants an object at the top', async () => {
    expect((await problems('list', '["/r"]'))[0]!.message).toBe('must contain a JSON object, not a list');
  });
});

describe('branch, info, readme, folderName', () => {
  it.each(['--upload-pack=x', '-b', 'a..b', '../x', 'a b', '.hidden', 'x.lock'])('rejects branch %j', async (branch) => {
    const [p] = await problems('br', { repository: '/r', branch });
    expect(p!.key).toBe('branch');
    expect(p!.message).toContain('is not a safe branch name');
  });

  it.each([
    ['../secret.php', 'no ".." segments'],
    ['dir/../../x.php', 'no ".." segments'],
    ['/etc/passwd', 'not an absolute path'],
    ['C:/x.php', 'not an absolute path'],
    ['-x.php', 'starting with "-"'],
    ['dir/-x.php', 'starting with "-"'],
    ['dir\\x.php', 'not "\\"'],
    ['dir/', 'must name a file'],
    ['a//b.php', 'empty segments'],
    ['', 'must not be empty'],
  ])('rejects info and readme %j', async (value, reason) => {
    const found = await problems('paths', { repository: '/r', info: value, readme: value });
    expect(found.map((p) => p.key)).toEqual(['info', 'readme']);
    for (const p of found) expect(p.message).toContain(reason);
  });

  it.each([
    ['a/b', 'single folder name'],
    ['a\\b', 'single folder name'],
    ['..', 'must not contain ".."'],
    ['x..y', 'must not contain ".."'],
    ['.hidden', 'must not start with "." or "-"'],
    ['-rf', 'must not start with "." or "-"'],
    ['', 'must not be empty'],
  ])('rejects folderName %j', async (folderName, reason) => {
    const [p] = await problems('folder', { repository: '/r', folderName });
    expect(p!.key).toBe('folderName');
    expect(p!.message).toContain(reason);
  });

  it('rejects a bad type', async () => {
    const [p] = await problems('typed', { repository: '/r', type: 'library' });
    expect([p!.key, p!.message]).toEqual(['type', 'must be "plugin" or "theme"']);
  });

  it('rejects a bad prerelease branch with its index', async () => {
    const [p] = await problems('prebad', { repository: '/r', prereleaseBranches: ['beta', '--all'] });
    expect(p!.key).toBe('prereleaseBranches.1');
  });
});

describe('allowed', () => {
  it('takes "*"', async () => {
    expect((await ok('star', { repository: '/r', allowed: '*' })).allowed).toBe('*');
  });

  it('normalises single values to lists', async () => {
    expect((await ok('rules', { repository: '/r', allowed: [{ apikey: 'a', branch: 'main', ip: '::1' }, { apikey: ['b', 'c'] }] })).allowed).toEqual([
      { apikey: ['a'], branch: ['main'], ip: ['::1'] },
      { apikey: ['b', 'c'] },
    ]);
  });

  it('takes the original single-rule object as a one-rule list', async () => {
    expect((await ok('single', { repository: '/r', allowed: { apikey: ['k1', 'k2'] } })).allowed).toEqual([{ apikey: ['k1', 'k2'] }]);
  });

  it('takes an empty list as "nobody"', async () => {
    expect((await ok('nobody', { repository: '/r', allowed: [] })).allowed).toEqual([]);
  });

  it.each([
    [[{}], 'allowed.0', 'a rule must name at least one of apikey, branch, ip'],
    [[{ apikey: 'k' }, { apiKey: 'k', branch: 'main' }], 'allowed.1', 'Unrecognized key: "apiKey"'],
    [[{ ip: '10.0.0.300' }], 'allowed.0.ip.0', '"10.0.0.300" is not an IPv4 or IPv6 address or CIDR range'],
    [[{ ip: ['10.0.0.0/8', '10.0.0.0/33'] }], 'allowed.0.ip.1', 'prefix /33 is too long for an IPv4 address'],
    [[{ ip: 'fd00::/129' }], 'allowed.0.ip.0', 'prefix /129 is too long for an IPv6 address'],
    [[{ ip: '10.0.0.0/x' }], 'allowed.0.ip.0', 'the prefix length after "/" must be a number'],
    [[{ apikey: [] }], 'allowed.0.apikey', 'must not be an empty list'],
    [[{ apikey: '' }], 'allowed.0.apikey.0', 'must not be empty'],
    [[{ apikey: 5 }], 'allowed.0.apikey', 'must be a string or a list of strings'],
    [[{ branch: '--all' }], 'allowed.0.branch.0', 'is not a safe branch name'],
    [['k1'], 'allowed.0', 'must be a rule object {apikey, branch, ip}'],
    ['everyone', 'allowed', 'must be "*" or a list of rules {apikey, branch, ip}, not "everyone"'],
    [true, 'allowed', 'must be "*" or a list of rules {apikey, branch, ip}, not a boolean'],
    [{ ip: 'nope' }, 'allowed.ip.0', '"nope" is not an IPv4 or IPv6 address or CIDR range'],
  ])('rejects %j', async (allowed, key, reason) => {
    const found = await problems('allow', { repository: '/r', allowed });
    expect(found).toHaveLength(1);
    expect(found[0]!.key).toBe(key);
    expect(found[0]!.message).toContain(reason);
  });
});

describe('secrets', () => {
  it('reads webhookSecret from the environment', async () => {
    expect((await ok('hook', { repository: '/r', webhookSecret: { env: 'HOOK' } }, { HOOK: 's3cret' })).webhookSecret).toBe('s3cret');
  });

  it('disables the project when the variable is missing or empty', async () => {
    expect(await problems('hookmissing', { repository: '/r', webhookSecret: { env: 'NOPE' } })).toEqual([
      {
        file: path.join(dir, 'hookmissing.json'),
        slug: 'hookmissing',
        key: 'webhookSecret',
        message: 'environment variable NOPE is not set',
      },
    ]);
    const [p] = await problems('hookempty', { repository: '/r', webhookSecret: { env: 'EMPTY' } }, { EMPTY: '' });
    expect(p!.message).toBe('environment variable EMPTY is empty');
  });

  it('reads a secret file without its final newline', async () => {
    const file = path.join(dir, 'hook.secret');
    fs.writeFileSync(file, 'from-file\n');
    expect((await ok('hookfile', { repository: '/r', webhookSecret: { file } })).webhookSecret).toBe('from-file');
  });

  it('reports an unreadable secret file', async () => {
    const file = path.join(dir, 'missing.secret');
    const [p] = await problems('hooknofile', { repository: '/r', webhookSecret: { file } });
    expect([p!.key, p!.message]).toEqual(['webhookSecret', `cannot read secret file ${file} (ENOENT)`]);
  });

  it('accepts a literal webhookSecret with a warning', async () => {
    const result = await load('hooklit', { repository: '/r', webhookSecret: 'literal-value' });
    expect(result.ok && result.settings.webhookSecret).toBe('literal-value');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]!.key).toBe('webhookSecret');
    expect(result.warnings[0]!.message).toContain('put secrets in the environment');
    expect(result.warnings[0]!.message).not.toContain('literal-value');
  });

  it.each([
    [{ env: 'A', file: '/x' }, 'webhookSecret', 'must give exactly one of "env" or "file"'],
    [{}, 'webhookSecret', 'must give exactly one of "env" or "file"'],
    [{ env: 'BAD-NAME' }, 'webhookSecret.env', 'must be an environment variable name'],
    [{ file: 'relative/path' }, 'webhookSecret.file', 'must be an absolute file path'],
    [{ vault: 'x' }, 'webhookSecret', 'Unrecognized key: "vault"'],
    [42, 'webhookSecret', 'must be {"env": "NAME"} or {"file": "/absolute/path"}'],
  ])('rejects the reference %j', async (webhookSecret, key, reason) => {
    const [p] = await problems('hookref', { repository: '/r', webhookSecret });
    expect(p!.key).toBe(key);
    expect(p!.message).toContain(reason);
  });

  it('resolves a credentials password from the environment or a file', async () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'file-token');
    const fromEnv = await ok('cred1', { repository: 'https://h/r.git', credentials: { username: 'u', password: { env: 'TOK' } } }, { TOK: 'env-token' });
    expect(fromEnv.credentials).toEqual({ username: 'u', password: 'env-token' });
    const fromFile = await ok('cred2', { repository: 'https://h/r.git', credentials: { password: { file } } });
    expect(fromFile.credentials).toEqual({ password: 'file-token' });
  });

  it('refuses a literal password and never repeats it', async () => {
    const found = await problems('credlit', { repository: 'https://h/r.git', credentials: { username: 'u', password: 'hunter2' } });
    expect(found).toHaveLength(1);
    expect(found[0]!.key).toBe('credentials.password');
    expect(found[0]!.message).toContain('a literal password is refused');
    expect(JSON.stringify(found)).not.toContain('hunter2');
  });

  it('reports a missing password variable', async () => {
    const [p] = await problems('credmissing', { repository: 'https://h/r.git', credentials: { password: { env: 'GONE' } } });
    expect([p!.key, p!.message]).toEqual(['credentials.password', 'environment variable GONE is not set']);
  });

  it('checks the ssh key file', async () => {
    const missing = path.join(dir, 'no_key');
    expect((await problems('ssh1', { repository: 'git@h:r.git', credentials: { sshKeyFile: missing } }))[0]).toEqual({
      file: path.join(dir, 'ssh1.json'),
      slug: 'ssh1',
      key: 'credentials.sshKeyFile',
      message: `cannot read ${missing} (ENOENT)`,
    });
    expect((await problems('ssh2', { repository: 'git@h:r.git', credentials: { sshKeyFile: 'keys/id' } }))[0]!.message).toBe(
      'must be an absolute path',
    );
    expect((await problems('ssh3', { repository: 'git@h:r.git', credentials: { sshKeyFile: '/k/id; rm -rf /' } }))[0]!.message).toContain(
      'must contain only letters, digits',
    );
    expect((await problems('ssh4', { repository: 'git@h:r.git', credentials: { sshKeyFile: dir } }))[0]!.message).toBe(
      `${dir} is not a regular file`,
    );
  });

  it('rejects unknown credential keys and warns about credentials on a local repository', async () => {
    expect((await problems('cred3', { repository: 'https://h/r.git', credentials: { token: { env: 'X' } } }))[0]!.key).toBe('credentials');
    const local = await load('cred4', { repository: '/r', credentials: { username: 'u' } });
    expect(local.ok).toBe(true);
    expect(local.warnings.map((w) => [w.key, w.message])).toEqual([['credentials', 'credentials are ignored for a local repository']]);
  });
});

describe('file names and several problems', () => {
  it('refuses a file whose name is not a valid slug, before reading it', async () => {
    const file = writeJson(dir, 'Bad Name.json', { repository: '/r' });
    const result = await readSettingsFile(file, { cwd });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.file).toBe(file);
    expect(result.problems[0]!.slug).toBeUndefined();
    expect(result.problems[0]!.message).toContain('file name "Bad Name.json" is not <slug>.json with a valid slug');
  });

  it('reports a missing file', async () => {
    const result = await readSettingsFile(path.join(dir, 'ghost.json'));
    expect(!result.ok && result.problems[0]!.message).toBe('cannot read the file (ENOENT)');
  });

  it('reports every problem of a file with its key', async () => {
    const found = await problems('many', { repository: '-r', type: 'x', branch: '--b', folderName: '../x', allowed: [{}] });
    expect(found.map((p) => p.key)).toEqual(['repository', 'type', 'branch', 'folderName', 'allowed.0']);
    for (const p of found) expect([p.file, p.slug]).toEqual([path.join(dir, 'many.json'), 'many']);
  });

  it('parses text directly without touching the disk', () => {
    const result = parseSettings('{"repository": "r"}', { file: '/nowhere/direct.json', cwd: '/base', env: {} });
    expect(result.ok && [result.settings.slug, result.settings.repository, result.settings.file]).toEqual(['direct', '/base/r', '/nowhere/direct.json']);
  });
});
