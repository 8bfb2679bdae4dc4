import { execFile } from 'node:child_process';
import { gitEnv, GitError } from './runner.js';

/**
 * Reads many blobs (`<commit>:<path>`) with a single `git cat-file --batch` process.
 * Object names go through stdin, never argv, so a path can never become an option.
 * Returns one entry per request, null where the object does not exist or is not a blob.
 */
export function readBlobs(gitDir: string, specs: string[], maxBytes = 4 * 1024 * 1024): Promise<(Buffer | null)[]> {
  if (specs.length === 0) return Promise.resolve([]);
  for (const s of specs) if (/[\n\0]/.test(s)) throw new Error('object name contains a newline or NUL');
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['--git-dir', gitDir, 'cat-file', '--batch'],
      { env: gitEnv(), encoding: 'buffer', maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new GitError(`git cat-file failed: ${String(stderr).trim()}`, ['cat-file'], String(stderr), null));
        try {
          resolve(parseBatch(stdout, specs.length, maxBytes));
        } catch (e) {
          reject(e);
        }
      },
    );
    child.stdin?.end(specs.join('\n') + '\n');
  });
}

function parseBatch(out: Buffer, count: number, maxBytes: number): (Buffer | null)[] {
  const results: (Buffer | null)[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw new Error('truncated cat-file output');
    const header = out.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      results.push(null); // "<name> missing" or "ambiguous"
      continue;
    }
    const size = Number(m[2]);
    const body = out.subarray(pos, pos + size);
    pos += size + 1; // content is followed by a newline
    results.push(m[1] === 'blob' && size <= maxBytes ? Buffer.from(body) : null);
  }
  return results;
}
