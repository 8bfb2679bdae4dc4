import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import archiver from 'archiver';
import tar from 'tar-stream';
import { assertSha } from '../git/refs.js';
import { spawnGit } from '../git/runner.js';
import { checkFolderName } from '../projects/paths.js';

/** Files whose content is already compressed: stored as they are, deflating them only costs time. */
const STORED = /\.(png|jpe?g|gif|webp|avif|ico|woff2?|zip|gz|tgz|bz2|xz|7z|mp3|mp4|m4a|webm|ogg|pdf)$/i;

/**
 * Streams the zip of `commit`'s tree into `out`, every path under one top-level `folderName/`.
 *
 * `git archive --format=tar` walks the tree (honouring `export-ignore` from the tree's own
 * `.gitattributes`) and the entries are re-packed into a zip as they arrive: no checkout, no
 * temp files, nothing held whole in memory. Dates are the commit's, so a rebuild is identical.
 * `out` belongs to the build: it is ended on success and destroyed on failure.
 */
export async function buildZip(gitDir: string, commit: string, folderName: string, out: Writable): Promise<void> {
  const folder = checkFolderName(folderName);
  try {
    assertSha(commit);
    if (!folder.ok) throw new Error(`folderName ${folder.message}`);
  } catch (err) {
    out.destroy();
    throw err;
  }

  // tar.umask 022: files 0644 and folders 0755 (git's default, 002, makes them group-writable).
  const git = spawnGit(gitDir, ['-c', 'tar.umask=0022', 'archive', '--format=tar', `--prefix=${folderName}/`, '--end-of-options', commit]);
  let stderr = '';
  git.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    git.once('error', reject);
    git.once('close', (code) => resolve(code));
  });

  const zip = archiver('zip', { zlib: { level: 6 }, forceZip64: false });
  const extract = tar.extract();

  extract.on('entry', (header, stream, next) => {
    const date = header.mtime ?? new Date(0);
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        stream.once('end', next);
        // tar-stream's entries are streamx streams; archiver only pipes them.
        zip.append(stream as unknown as Readable, { name: header.name, mode: header.mode ?? 0o644, date, store: STORED.test(header.name) });
        return;
      case 'directory':
        zip.append(Buffer.alloc(0), { name: header.name, mode: header.mode ?? 0o755, date }); // a name ending in "/" is a folder
        break;
      case 'symlink':
        zip.symlink(header.name, header.linkname ?? '', header.mode ?? 0o777);
        break;
      default:
        // pax headers (git's commit-id comment) and anything exotic: not part of the tree.
        break;
    }
    stream.resume();
    stream.once('end', next);
  });
  extract.once('finish', () => void zip.finalize());

  const reading = pipeline(git.stdout, extract);
  const writing = pipeline(zip, out);
  const failed = (err: unknown) => {
    zip.abort();
    git.kill();
    throw err;
  };
  await Promise.all([reading.catch(failed), writing.catch(failed)]);
  const code = await exited;
  if (code !== 0) throw new Error(`git archive failed (exit ${code}): ${stderr.trim() || 'no message'}`);
}
