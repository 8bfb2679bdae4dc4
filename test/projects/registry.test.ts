import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectRegistry, type ProjectRegistryOptions } from '../../src/projects/registry.js';
import type { ProjectChange } from '../../src/projects/types.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, nextChange, writeJson } from './support.js';

const open: ProjectRegistry[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

function registry(dir: string, options: Partial<ProjectRegistryOptions> = {}) {
  const { log, lines } = captureLogger();
  const r = new ProjectRegistry({ dir, log, env: {}, cwd: '/srv', ...options });
  open.push(r);
  return { registry: r, lines };
}

const warnLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === 40);

describe('load', () => {
  it('loads good files and disables only the bad one, logging file, key and why', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'alpha.json', { repository: 'repos/alpha' });
    writeJson(dir, 'beta.json', { repository: '/r', branch: '--upload-pack=evil' });
    writeJson(dir, 'gamma.json', { repository: '/r', type: 'theme' });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a settings file');
    const { registry: r, lines } = registry(dir);
    await r.load();

    expect(r.list().map((p) => p.slug)).toEqual(['alpha', 'gamma']);
    expect(r.get('alpha')!.repository).toBe('/srv/repos/alpha');
    expect(r.get('gamma')!.info).toBe('style.css');
    expect(r.get('beta')).toBeUndefined();
    expect(r.problems()).toEqual([
      {
        file: path.join(dir, 'beta.json'),
        slug: 'beta',
        key: 'branch',
        message: expect.stringContaining('is not a safe branch name'),
      },
    ]);
    const warns = warnLines(lines);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({
      file: path.join(dir, 'beta.json'),
      slug: 'beta',
      key: 'branch',
      problem: expect.stringContaining('is not a safe branch name'),
      msg: 'project settings invalid: project disabled',
    });
  });

  it('logs every problem of one file on one line', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'multi.json', { type: 'x' });
    const { registry: r, lines } = registry(dir);
    await r.load();
    const warns = warnLines(lines);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ key: 'repository', moreProblems: ['type: must be "plugin" or "theme"'] });
    expect(r.problems().map((p) => p.key)).toEqual(['repository', 'type']);
  });

  it('refuses a file whose name is not a slug, and skips hidden files', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'Upper.json', { repository: '/r' });
    writeJson(dir, '.editor-temp.json', { repository: '/r' });
    writeJson(dir, 'ok.json', { repository: '/r' });
    const { registry: r } = registry(dir);
    await r.load();
    expect(r.list().map((p) => p.slug)).toEqual(['ok']);
    expect(r.problems()).toHaveLength(1);
    expect(r.problems()[0]!.file).toBe(path.join(dir, 'Upper.json'));
  });

  it('logs warnings (unknown keys, literal secrets) without disabling the project', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'warned.json', { repository: '/r', colour: 'blue', webhookSecret: 'literal-hook-secret' });
    const { registry: r, lines } = registry(dir);
    await r.load();
    expect(r.get('warned')!.webhookSecret).toBe('literal-hook-secret');
    expect(r.warnings().map((w) => w.key)).toEqual(['colour', 'webhookSecret']);
    const warns = warnLines(lines);
    expect(warns.map((l) => l.key)).toEqual(['colour', 'webhookSecret']);
    expect(JSON.stringify(lines)).not.toContain('literal-hook-secret');
  });

  it('resolves secrets from the env it was given', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'hooked.json', { repository: 'https://example.org/r.git', webhookSecret: { env: 'HOOKED_SECRET' } });
    const { registry: r } = registry(dir, { env: { HOOKED_SECRET: 'from-env' } });
    await r.load();
    expect(r.get('hooked')!.webhookSecret).toBe('from-env');
    expect(r.get('hooked')!.isRemote).toBe(true);
  });

  it('survives a missing folder with a warning and an empty registry', async () => {
    const dir = path.join(tempDir('reg-'), 'does-not-exist');
    const { registry: r, lines } = registry(dir);
    await r.load();
    expect(r.list()).toEqual([]);
    expect(r.problems()).toEqual([]);
    expect(warnLines(lines)).toEqual([
      expect.objectContaining({ dir, code: 'ENOENT', msg: 'project settings folder is not readable: no projects are served' }),
    ]);
  });

  it('holds precompiled access checks and frozen settings', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'locked.json', { repository: '/r', allowed: [{ apikey: 'k', ip: '10.0.0.0/8' }] });
    const { registry: r } = registry(dir);
    await r.load();
    expect(r.canAccess('locked', { apikey: 'k', branch: 'main', ip: '::ffff:10.1.2.3' })).toBe(true);
    expect(r.canAccess('locked', { apikey: 'k', branch: 'main', ip: '11.1.2.3' })).toBe(false);
    expect(r.canAccess('unknown', { apikey: 'k', branch: 'main', ip: '10.1.2.3' })).toBe(false);
    const settings = r.get('locked')!;
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen((settings.allowed as object[])[0])).toBe(true);
    expect(() => {
      (settings as { folderName: string }).folderName = 'x';
    }).toThrow(TypeError);
  });

  it('emits added once, and nothing for a reload of unchanged files', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'one.json', { repository: '/r' });
    const { registry: r } = registry(dir);
    const changes: ProjectChange[] = [];
    r.onChange((c) => changes.push(c));
    await r.load();
    await r.load();
    expect(changes).toEqual([{ kind: 'added', project: r.get('one') }]);
  });

  it('re-resolves env secrets on load(), emitting changed', async () => {
    const dir = tempDir('reg-');
    writeJson(dir, 'rot.json', { repository: '/r', webhookSecret: { env: 'ROT' } });
    const env: NodeJS.ProcessEnv = { ROT: 'first' };
    const { registry: r } = registry(dir, { env });
    await r.load();
    env.ROT = 'second';
    const changed = nextChange(r, (c) => c.kind === 'changed');
    await r.load();
    const c = await changed;
    expect(c.kind === 'changed' && c.project.webhookSecret).toBe('second');
  });

  it('stops calling a listener after unsubscribe', async () => {
    const dir = tempDir('reg-');
    const { registry: r } = registry(dir);
    const seen: string[] = [];
    const off = r.onChange((c) => seen.push(c.kind));
    writeJson(dir, 'a.json', { repository: '/r' });
    await r.load();
    off();
    writeJson(dir, 'b.json', { repository: '/r' });
    await r.load();
    expect(seen).toEqual(['added']);
    expect(r.list().map((p) => p.slug)).toEqual(['a', 'b']);
  });
});

describe.each([
  ['fs.watch', { rescanIntervalMs: 60_000 }],
  ['the periodic rescan alone', { fsWatch: false, rescanIntervalMs: 50 }],
])('watch() through %s', (_name, options: Partial<ProjectRegistryOptions>) => {
  it('picks up added, changed and removed files', async () => {
    const dir = tempDir('watch-');
    writeJson(dir, 'stay.json', { repository: '/r' });
    const { registry: r } = registry(dir, options);
    await r.load();
    r.watch();

    const added = nextChange(r, (c) => c.kind === 'added');
    writeJson(dir, 'fresh.json', { repository: '/r', branch: 'main' });
    expect(await added).toEqual({ kind: 'added', project: expect.objectContaining({ slug: 'fresh', branch: 'main' }) });
    expect(r.get('fresh')!.branch).toBe('main');

    const changed = nextChange(r, (c) => c.kind === 'changed');
    writeJson(dir, 'fresh.json', { repository: '/r', branch: 'develop', folderName: 'fresh-plugin' });
    expect(await changed).toEqual({
      kind: 'changed',
      project: expect.objectContaining({ slug: 'fresh', branch: 'develop', folderName: 'fresh-plugin' }),
    });
    expect(r.get('fresh')!.branch).toBe('develop');

    const removed = nextChange(r, (c) => c.kind === 'removed');
    fs.rmSync(path.join(dir, 'fresh.json'));
    expect(await removed).toEqual({ kind: 'removed', slug: 'fresh', reason: 'deleted' });
    expect(r.get('fresh')).toBeUndefined();
    expect(r.list().map((p) => p.slug)).toEqual(['stay']);
  });

  it('removes a good project whose file turns bad, logs why, and keeps the others', async () => {
    const dir = tempDir('watch-');
    writeJson(dir, 'good.json', { repository: '/r' });
    writeJson(dir, 'turns-bad.json', { repository: '/r' });
    const { registry: r, lines } = registry(dir, options);
    await r.load();
    r.watch();

    const removed = nextChange(r, (c) => c.kind === 'removed');
    writeJson(dir, 'turns-bad.json', { repository: '/r', folderName: '../escape' });
    expect(await removed).toEqual({ kind: 'removed', slug: 'turns-bad', reason: 'invalid' });
    expect(r.get('turns-bad')).toBeUndefined();
    expect(r.get('good')!.slug).toBe('good');
    expect(r.problems()).toEqual([
      { file: path.join(dir, 'turns-bad.json'), slug: 'turns-bad', key: 'folderName', message: 'must be a single folder name (no "/" or "\\")' },
    ]);
    expect(warnLines(lines)).toEqual([
      expect.objectContaining({ file: path.join(dir, 'turns-bad.json'), key: 'folderName', problem: 'must be a single folder name (no "/" or "\\")' }),
    ]);

    const back = nextChange(r, (c) => c.kind === 'added');
    writeJson(dir, 'turns-bad.json', { repository: '/r', folderName: 'fixed' });
    expect(await back).toEqual({ kind: 'added', project: expect.objectContaining({ slug: 'turns-bad', folderName: 'fixed' }) });
    expect(r.problems()).toEqual([]);
  });
});

describe('watch() on a folder that appears later', () => {
  it('loads its files once it exists', async () => {
    const dir = path.join(tempDir('late-'), 'projectSettings');
    const { registry: r } = registry(dir, { rescanIntervalMs: 50 });
    await r.load();
    r.watch();
    const added = nextChange(r, (c) => c.kind === 'added');
    fs.mkdirSync(dir);
    writeJson(dir, 'late.json', { repository: '/r' });
    expect(await added).toEqual({ kind: 'added', project: expect.objectContaining({ slug: 'late' }) });
  });

  it('removes every project when the folder disappears', async () => {
    const dir = path.join(tempDir('gone-'), 'projectSettings');
    fs.mkdirSync(dir);
    writeJson(dir, 'one.json', { repository: '/r' });
    const { registry: r } = registry(dir, { rescanIntervalMs: 50 });
    await r.load();
    r.watch();
    const removed = nextChange(r, (c) => c.kind === 'removed');
    fs.rmSync(dir, { recursive: true });
    expect(await removed).toEqual({ kind: 'removed', slug: 'one', reason: 'deleted' });
    expect(r.list()).toEqual([]);
  });
});
