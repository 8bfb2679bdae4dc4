import fs from 'node:fs';
import type { Context } from 'koa';
import parseRange from 'range-parser';
import { UnavailableError } from '../errors.js';
import type { ArchiveFile } from './store.js';

export interface SendOptions {
  cacheControl: string;
}

/**
 * Sends a cached zip: streamed from disk, with Content-Length, a strong ETag (304 on
 * If-None-Match), HEAD, and single byte ranges (206; 416 when unsatisfiable), so an interrupted
 * download can resume. Several ranges at once are answered with the whole file, as RFC 9110 allows.
 */
export async function sendArchive(ctx: Context, file: ArchiveFile, filename: string, options: SendOptions): Promise<void> {
  // Opened before any header is written: a zip removed by housekeeping in between is a retryable 503.
  const handle = await fs.promises.open(file.path, 'r').catch(() => {
    throw new UnavailableError('The release archive is being rebuilt; try again shortly.', 50);
  });
  let streaming = false;
  try {
    ctx.status = 200;
    ctx.type = 'application/zip';
    ctx.set('Cache-Control', options.cacheControl);
    ctx.set('ETag', file.etag);
    ctx.set('Last-Modified', file.mtime.toUTCString());
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.attachment(filename, { type: 'attachment' });
    if (matchesIfNoneMatch(ctx.get('if-none-match'), file.etag)) {
      ctx.status = 304;
      return;
    }

    let start = 0;
    let end = file.size - 1;
    const range = ctx.get('range');
    const ifRange = ctx.get('if-range');
    if (range && (!ifRange || ifRange === file.etag)) {
      const ranges = parseRange(file.size, range, { combine: true });
      if (ranges === -1) {
        ctx.status = 416;
        ctx.set('Content-Range', `bytes */${file.size}`);
        ctx.remove('Content-Disposition');
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'Range Not Satisfiable';
        return;
      }
      if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
        start = ranges[0]!.start;
        end = ranges[0]!.end;
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${start}-${end}/${file.size}`);
      }
    }

    ctx.length = end - start + 1;
    if (ctx.method === 'HEAD') return; // Koa sends the headers alone
    ctx.body = handle.createReadStream({ start, end, autoClose: true });
    streaming = true;
  } finally {
    if (!streaming) await handle.close();
  }
}

/**
 * RFC 9110 §13.1.2, as an origin server evaluates it: weak comparison against each listed tag.
 * (Koa's `ctx.fresh` also honours a request's `Cache-Control: no-cache`, which fetch() adds to
 * every conditional request; that directive is for caches, not for the origin.)
 */
function matchesIfNoneMatch(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const mine = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === mine);
}
