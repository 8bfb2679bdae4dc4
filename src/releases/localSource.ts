import fs from 'node:fs/promises';
import path from 'node:path';
import type { ProjectSettings } from '../projects/types.js';
import { runGit } from '../git/runner.js';
import type { RepositorySource } from './types.js';

/**
 * A repository on this server's disk: a working tree (its .git) or a bare repository.
 * Nothing to fetch: pushes land in it directly, so sync only finds the git dir.
 */
export class LocalSource implements RepositorySource {
  async sync(project: ProjectSettings): Promise<string> {
    const dir = path.resolve(project.repository);
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) throw new Error(`repository ${dir} does not exist or is not a directory`);
    const dotGit = path.join(dir, '.git');
    const dotGitStat = await fs.stat(dotGit).catch(() => null);
    if (dotGitStat?.isDirectory()) return dotGit;
    // A bare repository, or a worktree whose .git is a file: let git say where the objects are.
    const gitDir = (await runGit(undefined, ['rev-parse', '--absolute-git-dir'], { cwd: dir })).trim();
    if (!gitDir) throw new Error(`${dir} is not a git repository`);
    return gitDir;
  }
}

/** Sends each project to the source for its kind: local paths here, remote URLs to the mirrors. */
export class RoutingSource implements RepositorySource {
  constructor(
    private readonly local: RepositorySource,
    private readonly remote: RepositorySource | null,
  ) {}

  sync(project: ProjectSettings): Promise<string> {
    if (!project.isRemote) return this.local.sync(project);
    if (!this.remote) return Promise.reject(new Error('remote repositories are not supported by this server build'));
    return this.remote.sync(project);
  }
}
