import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isSafeRefName } from '../git/refs.js';
import { runGit } from '../git/runner.js';
import { maskUrl, type Logger } from '../logger.js';
import type { ProjectSettings } from '../projects/types.js';
import type { RepositorySource } from '../releases/types.js';
import { isCorruptionError, MirrorError } from './corruption.js';
import { credentialEnv } from './credentials.js';
import { KeyedLock } from './keyedLock.js';
import { mirrorPaths, type MirrorPaths } from './paths.js';
import { ALLOWED_PROTOCOLS, checkRemoteUrl } from './remoteUrl.js';

export interface MirrorSourceOptions {
  dataDir: string;
  log: Logger;
  /** Upper bound for one clone or fetch (a hung host must not hold the mirror forever). */
  fetchTimeoutMs?: number;
}

/** Branches and tags only: no pull-request refs, notes or other hosts' extras. */
const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

/** Options before the subcommand of every network git call: no command-running transport, no stored credentials. */
const SAFE_CONFIG = ['-c', 'protocol.ext.allow=never', '-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null'];

/** git config key holding a hash of the URL the mirror was cloned from (a changed `repository` means a fresh clone). */
const SOURCE_KEY = 'updateserver.source';

/** Temp clones older than this are leftovers of a crash and are removed. */
const STALE_TMP_MS = 60 * 60 * 1000;

type Env = Record<string, string>;

/**
 * Bare mirrors of remote repositories under `<dataDir>/mirrors/<slug>.git`. The first sync
 * clones into a temp folder and renames it into place (a half-done clone is never used); later
 * syncs fetch branches and tags with prune and follow the remote's default branch. A corrupt
 * mirror (git cannot open it, a fetch or the ref check fails with a corruption error, or
 * reportDamaged() was told so after reading releases failed) is re-cloned and the old one moved
 * to `.broken/`. Syncs of one project run one at a
 * time; different projects never wait for each other.
 */
export class MirrorSource implements RepositorySource {
  private readonly lock = new KeyedLock();
  private readonly dataDir: string;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  constructor(options: MirrorSourceOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.log = options.log;
    this.timeoutMs = options.fetchTimeoutMs ?? 10 * 60 * 1000;
  }

  /** The mirror's git dir for a slug (it may not exist yet). */
  mirrorDir(slug: string): string {
    return mirrorPaths(this.dataDir, slug).mirror;
  }

  sync(project: ProjectSettings): Promise<string> {
    try {
      const paths = mirrorPaths(this.dataDir, project.slug);
      const { url, transport } = checkRemoteUrl(project.repository);
      const env: Env = { GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS, ...credentialEnv(url, transport, project.credentials) };
      if (project.credentials?.password !== undefined && isPlainHttpElsewhere(url)) this.warnPlainHttp(project.slug, url);
      return this.lock.run(project.slug, () => this.syncLocked(project.slug, url, env, paths));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private readonly warnedPlainHttp = new Set<string>();

  /** A token over plain http to another machine can be read on the way: said once per project. */
  private warnPlainHttp(slug: string, url: string): void {
    if (this.warnedPlainHttp.has(slug)) return;
    this.warnedPlainHttp.add(slug);
    this.log.warn({ slug, repository: maskUrl(url) }, 'credentials are sent over plain http: use https');
  }

  /** Mirrors found damaged outside a sync (while reading releases): the next sync re-clones them. */
  private readonly damaged = new Set<string>();

  /**
   * Told that reading a project's mirror failed. A corruption error (isCorruptionError) marks the
   * mirror: the next sync re-clones it instead of fetching. Returns whether it did.
   */
  reportDamaged(project: ProjectSettings, err: unknown): boolean {
    if (!isCorruptionError(err)) return false;
    this.damaged.add(project.slug);
    return true;
  }

  /** Waits for running syncs (shutdown, tests). */
  idle(): Promise<void> {
    return this.lock.idle();
  }

  private async syncLocked(slug: string, url: string, env: Env, paths: MirrorPaths): Promise<string> {
    const masked = maskUrl(url);
    let state = await this.inspect(paths.mirror, url);
    if (state === 'ok' && this.damaged.has(slug)) state = 'corrupt';
    if (state !== 'ok') {
      if (state === 'corrupt') this.log.warn({ slug, repository: masked }, 'mirror is corrupt; re-cloning');
      if (state === 'moved') this.log.info({ slug, repository: masked }, 'repository URL changed; cloning a fresh mirror');
      await this.cloneFresh(slug, url, env, paths);
      return paths.mirror;
    }
    try {
      await this.fetch(paths.mirror, url, env);
      await this.verify(paths.mirror);
    } catch (err) {
      if (!isCorruptionError(err)) throw err;
      this.log.warn({ slug, repository: masked, error: maskUrl(errorText(err)) }, 'mirror is corrupt; re-cloning');
      await this.cloneFresh(slug, url, env, paths);
      return paths.mirror;
    }
    await this.followDefaultBranch(slug, paths.mirror, url, env);
    this.log.debug({ slug, repository: masked }, 'mirror fetched');
    return paths.mirror;
  }

  /** ok: usable mirror of this URL; missing; corrupt (git cannot open it); moved (cloned from another URL). */
  private async inspect(dir: string, url: string): Promise<'ok' | 'missing' | 'corrupt' | 'moved'> {
    const stat = await fs.lstat(dir).catch(() => null);
    if (!stat) return 'missing';
    if (!stat.isDirectory()) return 'corrupt';
    try {
      const bare = (await runGit(dir, ['rev-parse', '--is-bare-repository'])).trim();
      if (bare !== 'true') return 'corrupt';
    } catch {
      return 'corrupt';
    }
    const source = await runGit(dir, ['config', '--get', SOURCE_KEY]).catch(() => '');
    return source.trim() === sourceHash(url) ? 'ok' : 'moved';
  }

  /** Clones into `.tmp/`, then swaps it in; until the swap the old mirror (if any) stays in place. */
  private async cloneFresh(slug: string, url: string, env: Env, paths: MirrorPaths): Promise<void> {
    await fs.mkdir(paths.tmpDir, { recursive: true });
    await this.removeStaleTemps(paths.tmpDir, slug);
    const tmp = path.join(paths.tmpDir, `${slug}~${randomBytes(6).toString('hex')}`);
    try {
      await runGit(undefined, ['init', '--bare', '--quiet', tmp]);
      await runGit(tmp, ['config', SOURCE_KEY, sourceHash(url)]);
      await this.fetch(tmp, url, env);
      await this.followDefaultBranch(slug, tmp, url, env);
      const existing = await fs.lstat(paths.mirror).catch(() => null);
      if (existing) {
        await fs.mkdir(paths.brokenDir, { recursive: true });
        const aside = path.join(paths.brokenDir, `${slug}.git`);
        await fs.rm(aside, { recursive: true, force: true }); // keep only the latest broken copy
        await fs.rename(paths.mirror, aside);
        this.log.warn({ slug, movedTo: aside }, 'old mirror moved aside');
      }
      await fs.rename(tmp, paths.mirror);
      this.damaged.delete(slug); // a failed clone leaves the mark: the next sync tries again
      this.log.info({ slug, repository: maskUrl(url), mirror: paths.mirror }, 'mirror cloned');
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  private async removeStaleTemps(tmpDir: string, slug: string): Promise<void> {
    const names = await fs.readdir(tmpDir).catch(() => [] as string[]);
    const now = Date.now();
    for (const name of names) {
      if (name.slice(0, name.indexOf('~')) !== slug) continue;
      const full = path.join(tmpDir, name);
      const stat = await fs.stat(full).catch(() => null);
      if (stat && now - stat.mtimeMs > STALE_TMP_MS) await fs.rm(full, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async fetch(dir: string, url: string, env: Env): Promise<void> {
    // The URL comes after "--": whatever it is, git reads it as a repository, never as an option.
    await runGit(
      dir,
      [...SAFE_CONFIG, 'fetch', '--prune', '--no-tags', '--no-write-fetch-head', '--quiet', '--', url, ...REFSPECS],
      { env, timeoutMs: this.timeoutMs },
    ).catch((err: unknown) => {
      throw MirrorError.from(`fetch from ${url}`, err);
    });
  }

  /** Every branch and tag must point at an object that is really there (%(objecttype) reads it). */
  private async verify(dir: string): Promise<void> {
    await runGit(dir, ['for-each-ref', '--format=%(objecttype)', 'refs/heads', 'refs/tags']).catch((err: unknown) => {
      throw MirrorError.from('checking the mirror', err);
    });
  }

  /** Points the mirror's HEAD at the remote's default branch. Best effort: the old HEAD stays on failure. */
  private async followDefaultBranch(slug: string, dir: string, url: string, env: Env): Promise<void> {
    let out: string;
    try {
      out = await runGit(dir, [...SAFE_CONFIG, 'ls-remote', '--symref', '--', url, 'HEAD'], { env, timeoutMs: this.timeoutMs });
    } catch (err) {
      this.log.debug({ slug, error: maskUrl(errorText(err)) }, 'could not read the remote default branch');
      return;
    }
    const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out)?.[1];
    if (!branch || !isSafeRefName(branch)) return;
    const ref = `refs/heads/${branch}`;
    const exists = await runGit(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (!exists) return;
    const current = await runGit(dir, ['symbolic-ref', '--quiet', 'HEAD']).catch(() => '');
    if (current.trim() !== ref) await runGit(dir, ['symbolic-ref', 'HEAD', ref]);
  }
}

function isPlainHttpElsewhere(url: string): boolean {
  if (!/^http:\/\//i.test(url)) return false;
  const host = new URL(url).hostname;
  return host !== 'localhost' && host !== '127.0.0.1' && host !== '[::1]';
}

function sourceHash(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
