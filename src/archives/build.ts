import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import archiver from 'archiver';
import tar from 'tar-stream';
import { assertSha } from '../git/refs.js';
import { spawnGit } from '../git/runner.js';
import { checkFolderName } from '../projects/paths.js';

/** Files whose content is already compressed: stored as they are, deflating them only costs time. */
const STORED = /\.(png|jpe?g|gif|webp|avif|ico|woff2?|zip|gz|tgz|bz2|xz|7z|mp3|mp4|m4a|webm|ogg|pdf)$/i;

/** Files up to this size are read whole, then added (most of a plugin); larger ones stream through. */
const WHOLE_FILE_BYTES = 1024 * 1024;
/** Whole files read ahead of the zip writer at most: the build's memory stays bounded. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** Bytes sampled to tell incompressible content (random, encrypted, compressed under another name). */
const SAMPLE_BYTES = 4096;

/**
 * Streams the zip of `commit`'s tree into `out`, every path under one top-level `folderName/`.
 *
 * `git archive --format=tar` walks the tree (honouring `export-ignore` from the tree's own
 * `.gitattributes`) and the entries are re-packed into a zip as they arrive: no checkout, no
 * temp files, and at most READ_AHEAD_BYTES held in memory. Dates are the commit's, so a rebuild
 * is identical. A file is stored rather than deflated when its name says it is compressed
 * already, or when a fast deflate of its start saves almost nothing: deflate would not shrink it,
 * and compressing it is most of the build's time.
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
  const readAhead = new ReadAhead(zip);

  extract.on('entry', (header, stream, next) => {
    const date = header.mtime ?? new Date(0);
    switch (header.type) {
      case 'file':
      case 'contiguous-file': {
        const data = { name: header.name, mode: header.mode ?? 0o644, date };
        if ((header.size ?? 0) > WHOLE_FILE_BYTES) {
          stream.once('end', next);
          // tar-stream's entries are streamx streams; archiver only pipes them.
          zip.append(stream as unknown as Readable, { ...data, store: STORED.test(header.name) });
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
        stream.once('end', () => {
          const content = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          zip.append(content, { ...data, store: STORED.test(header.name) || incompressible(content) });
          readAhead.added(content.length, next);
        });
        return;
      }
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

/**
 * True when the start of `content` looks like random bytes (over 7.5 bits of entropy per byte):
 * compressed or encrypted data, which deflate cannot shrink. A byte histogram costs microseconds;
 * trying deflate on a sample would cost a zlib instance per file.
 */
export function incompressible(content: Uint8Array): boolean {
  if (content.length < 1024) return false;
  const n = Math.min(content.length, SAMPLE_BYTES);
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[content[i]!]!++;
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= (c / n) * Math.log2(c / n);
  return bits > 7.5;
}

/**
 * Lets the tar reader run ahead of the zip writer (reading and deflating overlap) by at most
 * READ_AHEAD_BYTES of whole files: past that, the next entry waits until archiver has written
 * earlier ones. Archiver reports entries in the order they were appended.
 */
class ReadAhead {
  private queued = 0;
  private readonly sizes: number[] = [];
  private resume: (() => void) | null = null;

  constructor(zip: archiver.Archiver) {
    zip.on('entry', (entry) => {
      // The entry data archiver hands back carries its type and source kind (untyped in @types/archiver).
      const { type, sourceType } = entry as { type?: string; sourceType?: string };
      if (type !== 'file' || sourceType !== 'buffer') return;
      this.queued -= this.sizes.shift() ?? 0;
      if (this.resume && this.queued <= READ_AHEAD_BYTES) {
        const resume = this.resume;
        this.resume = null;
        resume();
      }
    });
  }

  added(bytes: number, next: () => void): void {
    this.queued += bytes;
    this.sizes.push(bytes);
    if (this.queued <= READ_AHEAD_BYTES) next();
    else this.resume = next;
  }
}
