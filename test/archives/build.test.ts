import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildZip, incompressible } from '../../src/archives/build.js';
import { TestRepo, pluginHeader } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { listZip, readZipMember } from '../helpers/zip.js';

/** Compression method of each member (0 stored, 8 deflated), from Python's zipfile. */
function methods(file: string): Record<string, number> {
  const script = 'import json,sys,zipfile\nprint(json.dumps({i.filename:i.compress_type for i in zipfile.ZipFile(sys.argv[1]).infolist()}))';
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
}

async function zipOf(repo: TestRepo, commit: string, folder: string): Promise<string> {
  const file = path.join(tempDir('zip-'), 'out.zip');
  await buildZip(path.join(repo.dir, '.git'), commit, folder, fs.createWriteStream(file));
  return file;
}

describe('buildZip', () => {
  it('packs the tree under one folder with modes, symlinks and export-ignore as git archive sees them', async () => {
    const repo = new TestRepo();
    repo
      .write('tool.php', pluginHeader('Tool', '1.0.0'))
      .write('bin/run.sh', '#!/bin/sh\necho run\n')
      .write('assets/logo.png', Buffer.alloc(4096, 7))
      .write('assets/data.bin', randomBytes(8192))
      .write('lib/long.php', '<?php\n' + 'echo "hello";\n'.repeat(2000))
      .write('dev/notes.md', 'not shipped')
      .write('.gitattributes', '/.gitattributes export-ignore\n/dev export-ignore\n');
    fs.chmodSync(path.join(repo.dir, 'bin/run.sh'), 0o755);
    fs.symlinkSync('tool.php', path.join(repo.dir, 'link.php'));
    const commit = repo.commit('tree');

    const file = await zipOf(repo, commit, 'my-tool');
    const entries = Object.fromEntries(listZip(file).map((e) => [e.name, e]));
    expect(Object.keys(entries).sort()).toEqual([
      'my-tool/',
      'my-tool/assets/',
      'my-tool/assets/data.bin',
      'my-tool/assets/logo.png',
      'my-tool/bin/',
      'my-tool/bin/run.sh',
      'my-tool/lib/',
      'my-tool/lib/long.php',
      'my-tool/link.php',
      'my-tool/tool.php',
    ]);
    expect(entries['my-tool/tool.php']!.mode).toBe(0o644);
    expect(entries['my-tool/bin/run.sh']!.mode).toBe(0o755);
    expect(entries['my-tool/bin/']!.mode).toBe(0o755);
    expect(readZipMember(file, 'my-tool/tool.php')).toContain('Version: 1.0.0');
    expect(readZipMember(file, 'my-tool/link.php')).toBe('tool.php'); // a symlink member holds its target
    expect(entries['my-tool/assets/logo.png']!.size).toBe(4096);
    // Already-compressed formats and random-looking content are stored; text is deflated.
    const m = methods(file);
    expect(m['my-tool/assets/logo.png']).toBe(0);
    expect(m['my-tool/assets/data.bin']).toBe(0);
    expect(m['my-tool/tool.php']).toBe(8);
    expect(m['my-tool/lib/long.php']).toBe(8);
    expect(entries['my-tool/assets/data.bin']!.size).toBe(8192);
  });

  it('is reproducible: the same commit gives the same bytes', async () => {
    const repo = new TestRepo();
    repo.write('tool.php', pluginHeader('Tool', '1.0.0'));
    const commit = repo.commit('one');
    const a = fs.readFileSync(await zipOf(repo, commit, 'tool'));
    await new Promise((r) => setTimeout(r, 1100)); // a build that used "now" would differ by then
    const b = fs.readFileSync(await zipOf(repo, commit, 'tool'));
    expect(a.equals(b)).toBe(true);
  });

  it('refuses a commit that is not a full object id and a folder name that is not one segment', async () => {
    const repo = new TestRepo();
    repo.write('tool.php', pluginHeader('Tool', '1.0.0'));
    const commit = repo.commit('one');
    const out = () => new PassThrough();
    await expect(buildZip(path.join(repo.dir, '.git'), 'HEAD', 'tool', out())).rejects.toThrow(/full object id/);
    await expect(buildZip(path.join(repo.dir, '.git'), '--output=/tmp/x', 'tool', out())).rejects.toThrow(/full object id/);
    await expect(buildZip(path.join(repo.dir, '.git'), commit, '../up', out())).rejects.toThrow(/folderName/);
  });
});

describe('incompressible', () => {
  it('tells random bytes from text and from small or repetitive content', () => {
    expect(incompressible(randomBytes(4096))).toBe(true);
    expect(incompressible(Buffer.from('function a() { return 1; }\n'.repeat(300)))).toBe(false);
    expect(incompressible(Buffer.from(randomBytes(3000).toString('base64')))).toBe(false); // 6 bits a byte: deflate still gains
    expect(incompressible(randomBytes(512))).toBe(false); // too small to judge: deflate decides
  });
});
