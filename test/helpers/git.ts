import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A real git working repository in a temp folder, with helpers to write files, commit and tag. */
export class TestRepo {
  readonly dir: string;

  constructor(dir?: string, defaultBranch = 'main') {
    this.dir = dir ?? tempDir('repo-');
    git(this.dir, 'init', '-q', '-b', defaultBranch);
  }

  write(file: string, content: string | Buffer): this {
    const full = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    return this;
  }

  remove(file: string): this {
    git(this.dir, 'rm', '-q', '--', file);
    return this;
  }

  commit(message = 'change'): string {
    git(this.dir, 'add', '-A');
    git(this.dir, 'commit', '-q', '--allow-empty', '-m', message);
    return git(this.dir, 'rev-parse', 'HEAD');
  }

  tag(name: string, annotated = false): this {
    if (annotated) git(this.dir, 'tag', '-a', '-m', name, name);
    else git(this.dir, 'tag', name);
    return this;
  }

  checkout(branch: string, create = false): this {
    if (create) git(this.dir, 'checkout', '-q', '-b', branch);
    else git(this.dir, 'checkout', '-q', branch);
    return this;
  }

  /** Starts a branch with no history and an empty tree. */
  orphan(branch: string): this {
    git(this.dir, 'checkout', '-q', '--orphan', branch);
    git(this.dir, 'rm', '-rfq', '--ignore-unmatch', '.');
    return this;
  }

  /** A bare clone of this repository (a "remote" on disk). */
  bareClone(dir = tempDir('bare-')): string {
    git(path.dirname(dir), 'clone', '-q', '--bare', this.dir, dir);
    return dir;
  }

  git(...args: string[]): string {
    return git(this.dir, ...args);
  }
}

/** Plugin main-file text with a WordPress header. */
export function pluginHeader(name: string, version: string, extra: Record<string, string> = {}): string {
  const lines = [`Plugin Name: ${name}`, `Version: ${version}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
  return `<?php\n/**\n${lines.map((l) => ` * ${l}`).join('\n')}\n */\n`;
}

/** Theme style.css text with a WordPress header. */
export function themeHeader(name: string, version: string, extra: Record<string, string> = {}): string {
  const lines = [`Theme Name: ${name}`, `Version: ${version}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
  return `/*\n${lines.join('\n')}\n*/\n`;
}
