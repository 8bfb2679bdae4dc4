import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** git for the benchmark's own repositories: fixed identity, no user or system config. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(gitDir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

export interface TreeFile {
  path: string;
  data: Buffer | string;
  executable?: boolean;
}

/**
 * Writes commits and tags into a bare repository through one `git fast-import` process:
 * thousands of commits or tags in seconds, with no working tree or index in between.
 */
export class FastImport {
  private readonly child;
  private readonly stdin: Writable;
  private readonly done: Promise<void>;
  private mark = 0;
  private time = 1_700_000_000;
  private heads = new Map<string, number>();

  constructor(readonly gitDir: string, defaultBranch = 'main') {
    execFileSync('git', ['init', '-q', '--bare', '-b', defaultBranch, gitDir], { env: GIT_ENV });
    this.child = spawn('git', ['--git-dir', gitDir, '-c', 'core.compression=1', 'fast-import', '--quiet', '--done', '--big-file-threshold=1m'], {
      env: GIT_ENV,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.stdin = this.child.stdin;
    this.stdin.on('error', () => {}); // a dying fast-import is reported by finish()
    let stderr = '';
    this.child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    this.done = once(this.child, 'close').then(([code]) => {
      if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr.slice(-2000)}`);
    });
    this.done.catch(() => {}); // reported by finish()
  }

  /** Commits `changes` on `branch` on top of its previous commit; returns the commit's mark. */
  async commit(branch: string, message: string, changes: TreeFile[]): Promise<number> {
    const mark = ++this.mark;
    const parent = this.heads.get(branch);
    const when = `${this.time++} +0000`;
    const msg = Buffer.from(message);
    await this.write(
      `commit refs/heads/${branch}\nmark :${mark}\n` +
        `author Bench <bench@example.org> ${when}\ncommitter Bench <bench@example.org> ${when}\n` +
        `data ${msg.length}\n${message}\n` +
        (parent ? `from :${parent}\n` : ''),
    );
    for (const file of changes) {
      const data = typeof file.data === 'string' ? Buffer.from(file.data) : file.data;
      await this.write(`M ${file.executable ? '100755' : '100644'} inline ${file.path}\ndata ${data.length}\n`);
      await this.write(data);
      await this.write('\n');
    }
    await this.write('\n');
    this.heads.set(branch, mark);
    return mark;
  }

  /** A lightweight tag on the commit with `mark`. */
  tag(name: string, mark: number): Promise<void> {
    return this.write(`reset refs/tags/${name}\nfrom :${mark}\n\n`);
  }

  async finish(): Promise<void> {
    await this.write('done\n');
    this.stdin.end();
    await this.done;
  }

  private async write(chunk: string | Buffer): Promise<void> {
    if (!this.stdin.write(chunk)) await Promise.race([once(this.stdin, 'drain'), this.done]);
  }
}
