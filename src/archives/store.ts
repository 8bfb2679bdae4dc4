import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { assertSha } from '../git/refs.js';
import type { Logger } from '../logger.js';
import { isValidSlug } from '../projects/slug.js';
import { SERVABLE_VERSION } from '../releases/versions.js';
import { buildZip } from './build.js';

/** Bumped when the zip layout changes, so zips built by an older server are not served. */
const FORMAT = 'zip-v1';
/** A temp file untouched this long belongs to a build that died (a crash, or another instance killed). */
const STALE_TEMP_MS = 15 * 60_000;
const TEMP_MARK = '.tmp-';

/** What identifies one release zip. */
export interface ArchiveKey {
  slug: string;
  version: string;
  commit: string;
  folderName: string;
  gitDir: string;
}

/** A zip in the cache, ready to be sent. */
export interface ArchiveFile {
  path: string;
  size: number;
  /** Strong ETag: the name encodes commit and layout, the size guards against a replaced file. */
  etag: string;
  mtime: Date;
}

export interface ArchiveStoreOptions {
  dir: string;
  log: Logger;
  /** Zips built at once (building is CPU-bound). */
  buildConcurrency?: number;
}

/**
 * The zip cache in ARCHIVES_DIR: `<slug>/<slug>-<version>-<commit12>-<layout>.zip`.
 *
 * A zip is built once: concurrent requests for a missing one share a single build, which is
 * written to a temp file and renamed into place, so a crash never leaves a partial zip under a
 * served name. Several instances may share the folder; the worst case is that two build the
 * same zip and the second rename wins with identical bytes.
 */
export class ArchiveStore {
  readonly dir: string;
  private readonly log: Logger;
  private readonly building = new Map<string, Promise<ArchiveFile>>();
  private readonly limit: LimitFunction;

  constructor(options: ArchiveStoreOptions) {
    this.dir = options.dir;
    this.log = options.log;
    this.limit = pLimit(options.buildConcurrency ?? 2);
  }

  /** Creates the folder and removes temp files of builds that died. */
  async init(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const now = Date.now();
    for (const entry of await fs.promises.readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(this.dir, entry.name);
      for (const name of await fs.promises.readdir(sub).catch(() => [] as string[])) {
        if (!name.includes(TEMP_MARK)) continue;
        const file = path.join(sub, name);
        const stat = await fs.promises.stat(file).catch(() => null);
        if (stat && now - stat.mtimeMs > STALE_TEMP_MS) await fs.promises.rm(file, { force: true });
      }
    }
  }

  /** Where the zip of `key` lives (whether or not it is built yet). */
  pathFor(key: Pick<ArchiveKey, 'slug' | 'version' | 'commit' | 'folderName'>): string {
    if (!isValidSlug(key.slug)) throw new Error(`invalid slug: ${JSON.stringify(key.slug)}`);
    if (!SERVABLE_VERSION.test(key.version)) throw new Error(`invalid version: ${JSON.stringify(key.version)}`);
    assertSha(key.commit);
    const layout = createHash('sha256').update(`${FORMAT}\0${key.folderName}`).digest('hex').slice(0, 8);
    return path.join(this.dir, key.slug, `${key.slug}-${key.version}-${key.commit.slice(0, 12)}-${layout}.zip`);
  }

  /** The zip of `key`, built first when it is not in the cache. */
  async get(key: ArchiveKey): Promise<ArchiveFile> {
    const file = this.pathFor(key);
    const existing = await this.stat(file);
    if (existing) return existing;
    let build = this.building.get(file);
    if (!build) {
      build = this.limit(() => this.build(key, file));
      this.building.set(file, build);
      void build.then(
        () => this.building.delete(file),
        () => this.building.delete(file),
      );
    }
    return build;
  }

  /** Builds the zip of `key` unless it exists: for background work that needs no answer. */
  async prebuild(key: ArchiveKey): Promise<void> {
    await this.get(key);
  }

  /**
   * Removes the zips of `slug` that are not among `keep` (matched by version and commit,
   * whatever their layout). Returns the removed file names.
   */
  async prune(slug: string, keep: { version: string; commit: string }[]): Promise<string[]> {
    if (!isValidSlug(slug)) throw new Error(`invalid slug: ${JSON.stringify(slug)}`);
    const dir = path.join(this.dir, slug);
    const kept = new Set(keep.map((k) => `${k.version}-${k.commit.slice(0, 12)}`));
    const removed: string[] = [];
    for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
      const id = releaseIdOf(slug, name);
      if (id === null || kept.has(id)) continue;
      const file = path.join(dir, name);
      // A zip just renamed into place by a build still answering its requests stays.
      if (this.building.has(file)) continue;
      await fs.promises.rm(file, { force: true });
      removed.push(name);
    }
    if (removed.length > 0) this.log.info({ slug, removed }, 'old release zips removed');
    return removed;
  }

  /** Waits for the builds in progress. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.building.values()]);
  }

  private async build(key: ArchiveKey, file: string): Promise<ArchiveFile> {
    // Another request (or instance) may have finished it while this one waited for a slot.
    const done = await this.stat(file);
    if (done) return done;
    const started = performance.now();
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    // Opened before the build starts, so that the catch below always finds the file to remove.
    const handle = await fs.promises.open(temp, 'wx');
    try {
      // The stream writes to the handle's fd and leaves it open (emitClose: false, so the build's
      // pipeline resolves on finish) for the fsync: the bytes reach the disk before the name does,
      // so a crash leaves no truncated zip behind.
      const out = fs.createWriteStream(temp, { fd: handle.fd, autoClose: false, emitClose: false });
      await buildZip(key.gitDir, key.commit, key.folderName, out);
      await handle.sync();
      await handle.close();
      await fs.promises.rename(temp, file);
      await syncDir(path.dirname(file));
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.promises.rm(temp, { force: true });
      throw err;
    }
    const built = await this.stat(file);
    if (!built) throw new Error(`zip ${file} vanished after it was built`);
    this.log.info(
      { slug: key.slug, version: key.version, commit: key.commit, bytes: built.size, ms: Math.round(performance.now() - started) },
      'release zip built',
    );
    return built;
  }

  private async stat(file: string): Promise<ArchiveFile | null> {
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat?.isFile()) return null;
    const id = path.basename(file, '.zip').split('-').slice(-2).join('-');
    return { path: file, size: stat.size, etag: `"${id}-${stat.size.toString(16)}"`, mtime: stat.mtime };
  }
}

/** Makes a rename durable: the directory entry reaches the disk too. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `<version>-<commit12>` of a zip name in `slug`'s folder, or null for anything else. */
function releaseIdOf(slug: string, name: string): string | null {
  if (!name.startsWith(`${slug}-`) || !name.endsWith('.zip') || name.includes(TEMP_MARK)) return null;
  const parts = name.slice(slug.length + 1, -'.zip'.length).split('-');
  if (parts.length < 3) return null;
  parts.pop(); // layout hash
  return parts.join('-');
}
