import type { IncomingMessage } from 'node:http';
import { AppError, BadRequestError } from '../errors.js';

/** Webhook payloads are small JSON documents; GitHub caps them at 25 MB, but pushes of tags are a few KB. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `Request body is larger than ${limit} bytes.`);
  }
}

/**
 * Reads the exact bytes of the request body: signatures are computed over them, so nothing may
 * parse or re-encode the body first. Refuses early on a Content-Length above the limit.
 */
export async function readRawBody(req: IncomingMessage, limit = MAX_WEBHOOK_BODY_BYTES): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume(); // drain, so the connection can answer
    throw new PayloadTooLargeError(limit);
  }
  if (req.readableEnded) throw new BadRequestError('Request body was already consumed.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
