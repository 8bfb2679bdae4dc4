import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Logger } from '../logger.js';
import { apiLogFields, type MetadataAnswers } from './metadata.js';
import { paramsFrom, readParams } from './params.js';

export interface FastPathDeps {
  answers: MetadataAnswers;
  log: Logger;
  /** Proxy hops whose X-Forwarded-For is trusted (TRUST_PROXY), as Koa is configured. */
  trustProxy: number;
}

/** What a request handler that may decline looks like: true when it answered. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The update check without the framework: `GET /api?action=basic_check|plugin_information…`
 * answered straight from memory, before Koa builds its context.
 *
 * Update checks are nearly all of the traffic, and Koa's per-request machinery (context,
 * delegates, router layers, middleware promises) costs more than the answer itself. This path
 * uses the same parameter validation, access check and memoized answers as the Koa route, and
 * answers only the successful case with the same status, headers and body. Anything else (other
 * actions and methods, bad parameters, refused access, errors) it declines, and the request goes
 * to Koa as if this did not exist, which produces the error answer.
 */
export function createFastPath(deps: FastPathDeps): FastPath {
  return (req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/api?')) return false;
    const started = process.hrtime.bigint();
    const query = querystring.parse(req.url.slice('/api?'.length));
    const action = query.action;
    if (action !== 'basic_check' && action !== 'plugin_information') return false;
    let body: Buffer | string;
    let params;
    try {
      params = readParams(paramsFrom(query));
      body = deps.answers.answer(params, clientIp(req, deps.trustProxy));
    } catch {
      return false;
    }
    res.statusCode = 200;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
    if (deps.log.isLevelEnabled('info')) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.log.info(
        { method: 'GET', path: '/api', status: 200, ms: Math.round(ms * 100) / 100, ...apiLogFields(params, req.headers['user-agent']) },
        'request',
      );
    }
    return true;
  };
}

/**
 * The client address as Koa computes it with `proxy` and `maxIpsCount`: behind `hops` trusted
 * proxies, the entry that many places from the right of X-Forwarded-For (entries further left
 * were written by the client); without proxies, the socket's peer.
 */
export function clientIp(req: IncomingMessage, hops: number): string {
  if (hops > 0) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    if (value) {
      const ips = value.split(',').slice(-hops).map((ip) => ip.trim());
      if (ips[0]) return ips[0];
    }
  }
  return req.socket.remoteAddress ?? '';
}
