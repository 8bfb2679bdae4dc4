import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { maskUrl, type Logger } from '../logger.js';
import { checkAddress, parseIpLiteral } from './addresses.js';
import {
  AddressNotAllowedError,
  HttpNotAllowedError,
  InvalidSiteUrlError,
  RedirectRefusedError,
  ResponseTooLargeError,
  SiteTimeoutError,
  SiteUnreachableError,
} from './errors.js';

/**
 * The one way the panel calls a site. Safe by default:
 * - only http/https URLs without user-info; secrets (`secretHeaders`) only over https unless
 *   allowHttpSecrets (ALLOW_HTTP_SITES) says otherwise;
 * - the host is resolved here and EVERY resolved address is checked; the socket then connects
 *   to exactly the checked address (custom `lookup`), so DNS rebinding cannot slip between
 *   check and connect; IP literals are checked before any socket exists;
 * - redirects are never followed (a 3xx is an error), the answer is capped in size, and the
 *   whole call (connect + answer + body) in time;
 * - nothing but method, masked URL, status, size and duration is logged: never headers or bodies.
 */
export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** Sent as is and never logged. */
  headers?: Record<string, string>;
  /**
   * Headers that carry secrets (X-RakuWP-Key, User, Password): sent like `headers`, never
   * logged, and refused (HttpNotAllowedError, nothing sent) to an http:// URL unless the client
   * allows it.
   */
  secretHeaders?: Record<string, string>;
  /** Serialised as the JSON body. */
  json?: unknown;
  timeoutMs: number;
  /** Aborts the call early (e.g. on shutdown); reported as a timeout. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The parsed body, or `undefined` when it is empty or not JSON. */
  json: unknown;
}

export interface OutboundClient {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

/** Resolves a host name to every address it has (dns.lookup semantics: hosts file, then DNS). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface OutboundOptions {
  /** Let calls reach loopback / private / link-local addresses (config.allowPrivateSites). */
  allowPrivate: boolean;
  /** Let requests with `secretHeaders` go to http:// URLs (config.allowHttpSites). Default false. */
  allowHttpSecrets?: boolean;
  log: Logger;
  /** Larger answers are cut and reported as ResponseTooLargeError. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Name resolution; tests inject one that maps made-up names to loopback. */
  resolve?: Resolver;
  userAgent?: string;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A `net` lookup that only ever hands out addresses that passed the check. */
function guardedLookup(resolve: Resolver, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = found.filter((a) => (wanted ? a.family === wanted : true));
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
          err.code = 'ENOTFOUND';
          callback(err, '', 0);
          return;
        }
        if (!allowPrivate) {
          // One refused address refuses the name: a host that also resolves inward is not trusted.
          for (const a of addresses) {
            const verdict = checkAddress(a.address);
            if (!verdict.allowed) {
              callback(refusal(hostname, a.address, verdict.reason) as NodeJS.ErrnoException, '', 0);
              return;
            }
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function refusal(host: string, address: string, reason: string): AddressNotAllowedError {
  const where = host === address ? address : `${host} (${address})`;
  return new AddressNotAllowedError(
    `Address not allowed: ${where} is a ${reason} address. Set ALLOW_PRIVATE_SITES=true to manage sites on private networks.`,
  );
}

/** Parses and checks the URL; returns it with the bare host (no brackets). */
export function checkSiteUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidSiteUrlError('The site URL is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidSiteUrlError('The site URL must start with http:// or https://.');
  }
  if (url.username || url.password) {
    throw new InvalidSiteUrlError('The site URL must not contain a user name or password.');
  }
  if (!url.hostname) throw new InvalidSiteUrlError('The site URL has no host.');
  return url;
}

export function createOutboundClient(options: OutboundOptions): OutboundClient {
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const lookup = guardedLookup(options.resolve ?? systemResolver, options.allowPrivate);
  const userAgent = options.userAgent ?? 'wp-update-server (panel)';
  const log = options.log;

  async function send(request: OutboundRequest): Promise<OutboundResponse> {
    const url = checkSiteUrl(request.url);
    if (url.protocol === 'http:' && !options.allowHttpSecrets && Object.keys(request.secretHeaders ?? {}).length > 0) {
      throw new HttpNotAllowedError(
        `Refused: ${maskUrl(url.origin)} is an http:// URL, and the call would send the site's license key or credentials unencrypted. ` +
          "Register the site's https:// address, or set ALLOW_HTTP_SITES=true (trusted networks only).",
      );
    }
    const literal = parseIpLiteral(url.hostname);
    // Node connects to IP literals without calling `lookup`, so they are checked here.
    if (literal && !options.allowPrivate) {
      const verdict = checkAddress(literal.address);
      if (!verdict.allowed) throw refusal(literal.address, literal.address, verdict.reason);
    }
    const started = Date.now();
    const logUrl = maskUrl(`${url.origin}${url.pathname}`);
    try {
      const response = await perform(url, request);
      log.debug(
        { method: request.method, url: logUrl, status: response.status, bytes: response.body.length, ms: Date.now() - started },
        'outbound call',
      );
      return response;
    } catch (err) {
      log.info(
        { method: request.method, url: logUrl, error: (err as { code?: string }).code, ms: Date.now() - started },
        'outbound call failed',
      );
      throw err;
    }
  }

  function perform(url: URL, request: OutboundRequest): Promise<OutboundResponse> {
    const payload = request.json === undefined ? undefined : Buffer.from(JSON.stringify(request.json));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': userAgent,
      ...request.headers,
      ...request.secretHeaders,
    };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const transport = url.protocol === 'https:' ? https : http;

    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      // eslint-disable-next-line prefer-const
      let req: http.ClientRequest;
      const finish = (err: Error | null, value?: OutboundResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(
        () => finish(new SiteTimeoutError(`The site did not answer within ${request.timeoutMs} ms.`)),
        request.timeoutMs,
      );
      const onAbort = () => finish(new SiteTimeoutError('The call to the site was cancelled.'));

      req = transport.request(url, {
        method: request.method,
        headers,
        lookup,
        // A fresh connection per call: no pooled socket can bypass the address check.
        agent: false,
      });
      // Headers and body go out at once; without this, Nagle holds the body back for an ACK.
      req.setNoDelay(true);
      req.on('socket', (socket: Socket) => {
        // Second line of defence: the address actually connected to must pass too.
        socket.once('connect', () => {
          if (options.allowPrivate || !socket.remoteAddress) return;
          const verdict = checkAddress(socket.remoteAddress);
          if (!verdict.allowed) finish(refusal(url.hostname, socket.remoteAddress, verdict.reason));
        });
      });
      req.on('error', (err) => finish(toOutboundError(err)));
      req.on('response', (res) => {
        if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400) {
          const location = res.headers.location ? ` to ${maskUrl(String(res.headers.location)).slice(0, 200)}` : '';
          finish(new RedirectRefusedError(`The site answered with a redirect (${res.statusCode})${location}; redirects are not followed.`));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          finish(tooLarge(maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) finish(tooLarge(maxBytes));
          else chunks.push(chunk);
        });
        res.on('error', (err) => finish(toOutboundError(err)));
        res.on('aborted', () => finish(new SiteUnreachableError('The site closed the connection mid-answer.')));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          finish(null, { status: res.statusCode ?? 0, headers: res.headers, body, json: parseJson(body) });
        });
      });
      if (request.signal) {
        if (request.signal.aborted) onAbort();
        else request.signal.addEventListener('abort', onAbort, { once: true });
      }
      req.end(payload);
    });
  }

  return { send };
}

function tooLarge(maxBytes: number): ResponseTooLargeError {
  return new ResponseTooLargeError(`The site's answer is larger than ${maxBytes} bytes; it was cut off.`);
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    // WordPress plugins sometimes print a BOM or notices before the JSON; a BOM is harmless.
    return JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

const UNREACHABLE_MESSAGES: Record<string, string> = {
  ENOTFOUND: 'The site host name could not be resolved.',
  EAI_AGAIN: 'The site host name could not be resolved (temporary DNS failure).',
  ECONNREFUSED: 'The site refused the connection.',
  ECONNRESET: 'The site closed the connection.',
  EPIPE: 'The site closed the connection.',
  EHOSTUNREACH: 'The site host is unreachable.',
  ENETUNREACH: 'The site network is unreachable.',
  ETIMEDOUT: 'Connecting to the site timed out.',
  HPE_INVALID_CONSTANT: 'The site sent an invalid HTTP answer.',
};

function toOutboundError(err: unknown): Error {
  if (err instanceof AddressNotAllowedError || err instanceof SiteTimeoutError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ETIMEDOUT') return new SiteTimeoutError(UNREACHABLE_MESSAGES.ETIMEDOUT!);
  const message =
    UNREACHABLE_MESSAGES[code] ??
    (code.startsWith('HPE_')
      ? 'The site sent an invalid HTTP answer.'
      : /CERT|SSL|TLS/i.test(code)
        ? 'The TLS connection to the site failed (certificate or protocol).'
        : 'The site could not be reached.');
  return new SiteUnreachableError(message, code ? { cause_code: code } : undefined);
}
