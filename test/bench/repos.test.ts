import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../bench/repos/fastImport.js';
import { bigFileRepo, INFO_FILE, manyFilesRepo, manyTagsRepo, smallPluginRepo, textLike } from '../../bench/repos/generate.js';
import { tempDir } from '../helpers/tmp.js';

const versionOf = (gitDir: string, ref: string) => /Version: (\S+)/.exec(git(gitDir, 'show', `${ref}:${INFO_FILE}`))?.[1];

describe('benchmark repositories (real git, fast-import)', () => {
  it('tags every commit of the many-tags repository with the version in its header', async () => {
    const repo = await manyTagsRepo(path.join(tempDir('bench-'), 'tags.git'), 150);
    expect(repo.versions).toHaveLength(150);
    expect(repo.versions.slice(0, 2)).toEqual(['1.0.0', '1.0.1']);
    expect(repo.versions[149]).toBe('1.1.49');
    expect(git(repo.gitDir, 'tag').split('\n')).toHaveLength(150);
    expect(git(repo.gitDir, 'rev-list', '--count', 'main')).toBe('150');
    expect(versionOf(repo.gitDir, 'v1.1.49')).toBe('1.1.49');
    expect(versionOf(repo.gitDir, 'v1.0.7')).toBe('1.0.7');
    expect(repo.latestCommit).toBe(git(repo.gitDir, 'rev-parse', 'main'));
    expect(git(repo.gitDir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
  });

  it('builds the many-files release with the file count and size asked for, on two tags', async () => {
    const repo = await manyFilesRepo(path.join(tempDir('bench-'), 'files.git'), 40, 1);
    const files = git(repo.gitDir, 'ls-tree', '-r', '-l', 'v1.0.0').split('\n');
    expect(files).toHaveLength(41); // + the plugin's main file
    const total = files.reduce((sum, line) => sum + Number(line.split(/\s+/)[3]), 0);
    expect(total).toBeGreaterThan(0.8 * 1024 * 1024);
    expect(total).toBeLessThan(1.2 * 1024 * 1024);
    expect(repo.versions).toEqual(['1.0.0', '1.0.1']);
    expect(versionOf(repo.gitDir, 'v1.0.0')).toBe('1.0.0');
    expect(versionOf(repo.gitDir, 'v1.0.1')).toBe('1.0.1');
    // Same tree apart from the header.
    expect(git(repo.gitDir, 'diff', '--name-only', 'v1.0.0', 'v1.0.1')).toBe(INFO_FILE);
  });

  it('makes a big release of incompressible bytes', async () => {
    const repo = await bigFileRepo(path.join(tempDir('bench-'), 'big.git'), 0.5);
    expect(git(repo.gitDir, 'cat-file', '-s', 'v1.0.0:assets/payload.bin')).toBe(String(512 * 1024));
    expect(versionOf(repo.gitDir, 'v1.0.0')).toBe('1.0.0');
  });

  it('makes the small plugin with three releases and a readme', async () => {
    const repo = await smallPluginRepo(path.join(tempDir('bench-'), 'small.git'));
    expect(repo.versions).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect(git(repo.gitDir, 'show', 'v1.2.0:readme.txt')).toContain('Stable tag: 1.2.0');
  });

  it('fills text-like data from a 16-character alphabet', () => {
    const data = textLike(4096);
    expect(data).toHaveLength(4096);
    expect(new Set(data).size).toBeLessThanOrEqual(16);
    expect(new Set(data).size).toBeGreaterThan(8);
  });
});
