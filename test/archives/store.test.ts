import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveStore, type ArchiveKey } from '../../src/archives/store.js';
import { TestRepo, pluginHeader } from '../helpers/git.js';
import { captureLogger } from '../helpers/log.js';
import { tempDir } from '../helpers/tmp.js';
import { listZip, readZipMember } from '../helpers/zip.js';

function plugin(): { repo: TestRepo; commits: Record<string, string> } {
  const repo = new TestRepo();
  const commits: Record<string, string> = {};
  for (const version of ['1.0.0', '1.1.0']) {
    repo.write('tool.php', pluginHeader('Tool', version));
    commits[version] = repo.commit(version);
  }
  return { repo, commits };
}

async function store(dir = tempDir('archives-')) {
  const captured = captureLogger();
  const archives = new ArchiveStore({ dir, log: captured.log });
  await archives.init();
  return { archives, ...captured };
}

const built = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === 'release zip built');

describe('ArchiveStore', () => {
  it('builds a zip once, names it by slug, version, commit and layout, and reuses it', async () => {
    const { repo, commits } = plugin();
    const { archives, lines } = await store();
    const key: ArchiveKey = { slug: 'tool', version: '1.1.0', commit: commits['1.1.0']!, folderName: 'tool', gitDir: path.join(repo.dir, '.git') };
    const file = await archives.get(key);
    expect(file.path).toBe(archives.pathFor(key));
    expect(path.basename(file.path)).toMatch(new RegExp(`^tool-1\\.1\\.0-${commits['1.1.0']!.slice(0, 12)}-[0-9a-f]{8}\\.zip$`));
    expect(file.size).toBe(fs.statSync(file.path).size);
    expect(file.etag).toMatch(/^"[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]+"$/);
    expect(readZipMember(file.path, 'tool/tool.php')).toContain('Version: 1.1.0');

    const again = await archives.get(key);
    expect(again).toEqual(file);
    expect(built(lines)).toHaveLength(1);

    // Another folder name is another layout: another file.
    const renamed = await archives.get({ ...key, folderName: 'tool-pro' });
    expect(renamed.path).not.toBe(file.path);
    expect(listZip(renamed.path).map((e) => e.name)).toContain('tool-pro/tool.php');
  });

  it('shares one build between concurrent requests for the same zip', async () => {
    const { repo, commits } = plugin();
    const { archives, lines } = await store();
    const key: ArchiveKey = { slug: 'tool', version: '1.0.0', commit: commits['1.0.0']!, folderName: 'tool', gitDir: path.join(repo.dir, '.git') };
    const files = await Promise.all(Array.from({ length: 8 }, () => archives.get(key)));
    expect(new Set(files.map((f) => f.path)).size).toBe(1);
    expect(built(lines)).toHaveLength(1);
  });

  it('never leaves a partial zip under a served name when a build fails', async () => {
    const { repo } = plugin();
    const { archives } = await store();
    const missing = 'f'.repeat(40);
    const key: ArchiveKey = { slug: 'tool', version: '9.9.9', commit: missing, folderName: 'tool', gitDir: path.join(repo.dir, '.git') };
    await expect(archives.get(key)).rejects.toThrow(/git archive failed/);
    expect(fs.existsSync(archives.pathFor(key))).toBe(false);
    expect(fs.readdirSync(path.join(archives.dir, 'tool'))).toEqual([]);
  });

  it('removes temp files of builds that died, and only those', async () => {
    const dir = tempDir('archives-');
    fs.mkdirSync(path.join(dir, 'tool'));
    const dead = path.join(dir, 'tool', 'tool-1.0.0-aaaaaaaaaaaa-bbbbbbbb.zip.tmp-1-dead');
    const running = path.join(dir, 'tool', 'tool-1.1.0-aaaaaaaaaaaa-bbbbbbbb.zip.tmp-2-live');
    const zip = path.join(dir, 'tool', 'tool-1.0.0-aaaaaaaaaaaa-bbbbbbbb.zip');
    for (const f of [dead, running, zip]) fs.writeFileSync(f, 'x');
    const old = new Date(Date.now() - 60 * 60_000);
    fs.utimesSync(dead, old, old);
    fs.utimesSync(zip, old, old);
    await store(dir);
    expect(fs.readdirSync(path.join(dir, 'tool')).sort()).toEqual([path.basename(zip), path.basename(running)].sort());
  });

  it('prunes the zips of a slug to the kept releases, whatever their layout', async () => {
    const { repo, commits } = plugin();
    const { archives, lines } = await store();
    const gitDir = path.join(repo.dir, '.git');
    const old = await archives.get({ slug: 'tool', version: '1.0.0', commit: commits['1.0.0']!, folderName: 'tool', gitDir });
    const keep = await archives.get({ slug: 'tool', version: '1.1.0', commit: commits['1.1.0']!, folderName: 'tool', gitDir });
    const keepOther = await archives.get({ slug: 'tool', version: '1.1.0', commit: commits['1.1.0']!, folderName: 'other', gitDir });
    fs.writeFileSync(path.join(archives.dir, 'tool', 'notes.txt'), 'not a zip of ours');

    const removed = await archives.prune('tool', [{ version: '1.1.0', commit: commits['1.1.0']! }]);
    expect(removed).toEqual([path.basename(old.path)]);
    expect(fs.existsSync(old.path)).toBe(false);
    expect(fs.existsSync(keep.path) && fs.existsSync(keepOther.path)).toBe(true);
    expect(fs.existsSync(path.join(archives.dir, 'tool', 'notes.txt'))).toBe(true);
    expect(lines.find((l) => l.msg === 'old release zips removed')).toMatchObject({ slug: 'tool', removed: [path.basename(old.path)] });
    expect(await archives.prune('unknown', [])).toEqual([]);
  });

  it('refuses keys that could name a path outside its folder', async () => {
    const { archives } = await store();
    const base = { slug: 'tool', version: '1.0.0', commit: 'a'.repeat(40), folderName: 'tool' };
    expect(() => archives.pathFor({ ...base, slug: '../etc' })).toThrow(/invalid slug/);
    expect(() => archives.pathFor({ ...base, version: '1.0/../../x' })).toThrow(/invalid version/);
    expect(() => archives.pathFor({ ...base, commit: '--output=/tmp/x' })).toThrow(/full object id/);
    await expect(archives.prune('../x', [])).rejects.toThrow(/invalid slug/);
  });
});
