import fs from 'node:fs/promises';
import path from 'node:path';
import type { ProjectSettings } from '../projects/types.js';
import { runGit } from '../git/runner.js';
import type { DamageAwareSource } from './service.js';
import type { RepositorySource } from './types.js';

/**
 * A repository on this server's disk: a working tree (its .git) or a bare repository.
 * Nothing to fetch: pushes land in it directly, so sync only finds the git dir.
 *
 * git never runs *inside* the folder (no repository discovery): the git dir is found by looking
 * at the files, then named with `--git-dir`. Discovery would refuse a repository owned by another
 * OS user ("detected dubious ownership"; safe.directory cannot help, system and global config are
 * off), and would climb into a parent folder's repository when the folder is not one itself.
 */
export class LocalSource implements RepositorySource {
  async sync(project: ProjectSettings): Promise<string> {
    const dir = path.resolve(project.repository);
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) throw new Error(`repository ${dir} does not exist or is not a directory`);
    const gitDir = await findGitDir(dir);
    if (!gitDir) {
      throw new Error(`${dir} is not a git repository (no .git in it, and not a bare repository with HEAD, objects/ and refs/)`);
    }
    // Explicit --git-dir: git checks that it really is a repository, without the ownership check of discovery.
    try {
      return (await runGit(gitDir, ['rev-parse', '--absolute-git-dir'])).trim();
    } catch (err) {
      throw new Error(`${dir} is not a readable git repository: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The git dir of a working tree (`.git` folder, or a `.git` file "gitdir: …"), or the folder itself when bare. */
async function findGitDir(dir: string): Promise<string | null> {
  const dotGit = path.join(dir, '.git');
  const dotGitStat = await fs.stat(dotGit).catch(() => null);
  if (dotGitStat?.isDirectory()) return dotGit;
  if (dotGitStat?.isFile()) {
    // A linked worktree or a submodule: the file names the real git dir.
    const text = await fs.readFile(dotGit, 'utf8').catch(() => '');
    const target = /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
    return target ? path.resolve(dir, target) : null;
  }
  if (await looksBare(dir)) return dir;
  return null;
}

/** A bare repository has HEAD, objects/ and refs/ at its top. */
async function looksBare(dir: string): Promise<boolean> {
  const [head, objects, refs] = await Promise.all(
    ['HEAD', 'objects', 'refs'].map((name) => fs.stat(path.join(dir, name)).catch(() => null)),
  );
  return Boolean(head?.isFile() && objects?.isDirectory() && refs?.isDirectory());
}

/** Sends each project to the source for its kind: local paths here, remote URLs to the mirrors. */
export class RoutingSource implements DamageAwareSource {
  constructor(
    private readonly local: RepositorySource,
    private readonly remote: RepositorySource | null,
  ) {}

  sync(project: ProjectSettings): Promise<string> {
    if (!project.isRemote) return this.local.sync(project);
    if (!this.remote) return Promise.reject(new Error('remote repositories are not supported by this server build'));
    return this.remote.sync(project);
  }

  /** Damage of a mirror is repaired by re-cloning; a local repository is never touched. */
  reportDamaged(project: ProjectSettings, err: unknown): boolean {
    const target = project.isRemote ? this.remote : this.local;
    const aware = target as Partial<DamageAwareSource> | null;
    return typeof aware?.reportDamaged === 'function' ? aware.reportDamaged(project, err) : false;
  }
}
