import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { maskUrl, type Logger } from '../logger.js';
import { compileAccess, type AccessChecker } from './access.js';
import { MAX_SETTINGS_FILE_BYTES, parseSettings, slugFromFile } from './parse.js';
import type { AccessRequest, ProjectChange, ProjectSettings, SettingsProblem } from './types.js';

export interface ProjectRegistryOptions {
  /** The projectSettings folder. */
  dir: string;
  log: Logger;
  /** Where `{"env": …}` secrets are looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Base for relative local repository paths (default process.cwd()). */
  cwd?: string;
  /** Fallback rescan period of watch(), for filesystems where fs.watch misses events. */
  rescanIntervalMs?: number;
  /** fs.watch events are gathered for this long before one rescan. */
  debounceMs?: number;
  /** false: rely on the periodic rescan alone (network filesystems where fs.watch is silent). */
  fsWatch?: boolean;
}

/** A loaded project: its settings and the access checker compiled from them (the parallel part). */
interface Entry {
  settings: ProjectSettings;
  canAccess: AccessChecker;
  /** Serialised settings, to tell a real change from a rewrite with the same meaning. */
  fingerprint: string;
}

/** What was last read from one settings file, good or bad. */
interface FileState {
  /** mtime, size and inode: a cheap "did it change" for the periodic rescan. */
  stamp: string;
  text: string | undefined;
  problems: SettingsProblem[];
  warnings: SettingsProblem[];
}

type ChangeListener = (change: ProjectChange) => void;

/**
 * Every project of the projectSettings folder, validated and held in memory: lookups and
 * access checks touch no disk. A bad file disables that project only (logged with file, key,
 * why); a project whose file turns bad is removed. watch() picks up added, changed and removed
 * files without a restart: fs.watch, debounced, plus a periodic rescan as a fallback.
 * Settings objects are frozen; a change replaces the object, so holders of the old one see a
 * consistent old state.
 */
export class ProjectRegistry {
  readonly dir: string;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cwd: string;
  private readonly rescanIntervalMs: number;
  private readonly debounceMs: number;
  private readonly fsWatch: boolean;

  private readonly projects = new Map<string, Entry>();
  private readonly files = new Map<string, FileState>();
  private readonly listeners = new Set<ChangeListener>();
  private sorted: ProjectSettings[] | undefined;
  private dirMissing = false;

  private queued: { full: boolean; names: Set<string> } | undefined;
  private running: Promise<void> | undefined;

  private watcher: fs.FSWatcher | undefined;
  private watchedIno: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private changedNames = new Set<string>();
  private closed = false;

  constructor(options: ProjectRegistryOptions) {
    this.dir = path.resolve(options.dir);
    this.log = options.log;
    this.env = options.env ?? process.env;
    this.cwd = options.cwd ?? process.cwd();
    this.rescanIntervalMs = options.rescanIntervalMs ?? 3000;
    this.debounceMs = options.debounceMs ?? 100;
    this.fsWatch = options.fsWatch ?? true;
  }

  /** Reads (or re-reads) every settings file. Also re-resolves env/file secrets of unchanged files. */
  load(): Promise<void> {
    return this.schedule(true);
  }

  get(slug: string): ProjectSettings | undefined {
    return this.projects.get(slug)?.settings;
  }

  /** All loaded projects, sorted by slug. */
  list(): ProjectSettings[] {
    this.sorted ??= [...this.projects.values()].map((e) => e.settings).sort((a, b) => a.slug.localeCompare(b.slug));
    return [...this.sorted];
  }

  /** The precompiled `allowed` check of a project; false for an unknown project. */
  canAccess(slug: string, req: AccessRequest): boolean {
    const entry = this.projects.get(slug);
    return entry ? entry.canAccess(req) : false;
  }

  /** Why files were not loaded (one entry per problem). */
  problems(): SettingsProblem[] {
    return [...this.files.values()].flatMap((f) => f.problems);
  }

  /** Non-fatal remarks (unknown keys, literal secrets), also logged. */
  warnings(): SettingsProblem[] {
    return [...this.files.values()].flatMap((f) => f.warnings);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts following the folder. Call after load(). */
  watch(): void {
    if (this.timer || this.closed) return;
    this.startWatcher();
    this.timer = setInterval(() => {
      if (!this.watcher) this.startWatcher();
      void this.schedule(false);
    }, this.rescanIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.debounceTimer);
    this.timer = undefined;
    this.stopWatcher();
    await this.running;
  }

  private startWatcher(): void {
    if (!this.fsWatch || this.closed) return;
    try {
      this.watchedIno = fs.statSync(this.dir).ino;
      const watcher = fs.watch(this.dir, { persistent: false }, (_event, name) => this.onFsEvent(name));
      watcher.on('error', () => {
        // The folder went away or the watch broke: the periodic rescan takes over and re-arms it.
        if (this.watcher === watcher) this.stopWatcher();
      });
      this.watcher = watcher;
    } catch {
      // Missing folder: the periodic rescan retries.
    }
  }

  private stopWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private onFsEvent(name: string | Buffer | null): void {
    if (this.closed) return;
    if (name) this.changedNames.add(String(name));
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      const names = this.changedNames;
      this.changedNames = new Set();
      void this.schedule(false, names);
    }, this.debounceMs);
  }

  /** Scans run one at a time; requests made meanwhile are merged into one follow-up scan. */
  private schedule(full: boolean, names: Iterable<string> = []): Promise<void> {
    const q = (this.queued ??= { full: false, names: new Set() });
    q.full ||= full;
    for (const n of names) q.names.add(n);
    this.running ??= (async () => {
      await Promise.resolve();
      try {
        while (this.queued) {
          const job = this.queued;
          this.queued = undefined;
          try {
            await this.scan(job.full, job.names);
          } catch (err) {
            this.log.error({ err, dir: this.dir }, 'project settings scan failed');
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Brings memory in line with the folder. A file is re-read when its stamp changed, when
   * fs.watch named it, or on a full load; it is re-parsed when its text changed (or on a full load).
   */
  private async scan(full: boolean, touched: Set<string>): Promise<void> {
    let names: string[];
    try {
      const dirStat = await fsp.stat(this.dir);
      if (!dirStat.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      if (this.watcher && this.watchedIno !== dirStat.ino) this.stopWatcher(); // folder replaced: re-arm
      names = (await fsp.readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (!this.dirMissing) {
        this.log.warn({ dir: this.dir, code }, 'project settings folder is not readable: no projects are served');
        this.dirMissing = true;
      }
      this.stopWatcher();
      for (const file of [...this.files.keys()]) this.forget(file);
      return;
    }
    if (this.dirMissing) this.log.info({ dir: this.dir }, 'project settings folder is readable again');
    this.dirMissing = false;

    const present = new Set<string>();
    for (const name of names) {
      const file = path.join(this.dir, name);
      let stamp: string;
      let size: number;
      try {
        const stat = await fsp.stat(file);
        if (!stat.isFile()) continue; // a folder named x.json, a dangling link: not a settings file
        stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
        size = stat.size;
      } catch {
        continue; // removed between readdir and stat
      }
      present.add(file);
      const previous = this.files.get(file);
      if (!full && !touched.has(name) && previous?.stamp === stamp) continue;

      let text: string | undefined;
      let readProblem: string | undefined;
      if (size > MAX_SETTINGS_FILE_BYTES) readProblem = 'file is larger than 1 MiB';
      else {
        try {
          text = await fsp.readFile(file, 'utf8');
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            present.delete(file);
            continue;
          }
          readProblem = `cannot read the file (${code ?? 'error'})`;
        }
      }
      if (!full && previous && text !== undefined && previous.text === text) {
        previous.stamp = stamp;
        continue;
      }
      this.apply(file, stamp, text, readProblem);
    }
    for (const file of [...this.files.keys()]) if (!present.has(file)) this.forget(file);
  }

  private apply(file: string, stamp: string, text: string | undefined, readProblem: string | undefined): void {
    const slug = slugFromFile(file);
    const result =
      text === undefined
        ? { ok: false as const, problems: [{ file, slug, message: readProblem ?? 'cannot read the file' }], warnings: [] }
        : parseSettings(text, { file, env: this.env, cwd: this.cwd });
    this.files.set(file, {
      stamp,
      text,
      problems: result.ok ? [] : result.problems,
      warnings: result.warnings,
    });
    for (const w of result.warnings) this.log.warn({ file, slug, key: w.key, warning: w.message }, 'project settings warning');

    const previous = this.projects.get(slug);
    if (!result.ok) {
      const [first, ...more] = result.problems;
      this.log.warn(
        {
          file,
          slug,
          key: first?.key,
          problem: first?.message,
          ...(more.length > 0 ? { moreProblems: more.map((p) => `${p.key ?? '(file)'}: ${p.message}`) } : {}),
        },
        'project settings invalid: project disabled',
      );
      if (previous) this.remove(slug, 'invalid');
      return;
    }

    const settings = deepFreeze(result.settings);
    const fingerprint = JSON.stringify(settings);
    if (previous?.fingerprint === fingerprint) return;
    this.projects.set(slug, { settings, canAccess: compileAccess(settings.allowed), fingerprint });
    this.sorted = undefined;
    this.log.info(
      { slug, file, repository: maskUrl(settings.repository), type: settings.type },
      previous ? 'project settings changed' : 'project loaded',
    );
    this.emit(previous ? { kind: 'changed', project: settings } : { kind: 'added', project: settings });
  }

  /** The file is gone (or the folder is): drop what it gave. */
  private forget(file: string): void {
    this.files.delete(file);
    const slug = slugFromFile(file);
    if (this.projects.get(slug)?.settings.file === file) {
      this.log.info({ slug, file }, 'project settings file removed');
      this.remove(slug, 'deleted');
    }
  }

  private remove(slug: string, reason: 'deleted' | 'invalid'): void {
    this.projects.delete(slug);
    this.sorted = undefined;
    this.emit({ kind: 'removed', slug, reason });
  }

  private emit(change: ProjectChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err, change: change.kind }, 'project change listener failed');
      }
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
