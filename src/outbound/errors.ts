import { AppError, BadGatewayError, BadRequestError, ForbiddenError, GatewayTimeoutError } from '../errors.js';

/**
 * Typed failures of a call to a site. Each keeps the HTTP status class the brief asks for
 * (502 / 504 / 403 / 400) and a specific `code`, which the panel answers as `error.code`
 * and a bulk job stores per site.
 */

/** The site URL is not an http(s) URL the panel will call (400: fix the site's URL). */
export class InvalidSiteUrlError extends BadRequestError {
  override readonly code = 'invalid_site_url';
}

/**
 * The site's host is or resolves to a loopback, private, link-local or otherwise special
 * address and ALLOW_PRIVATE_SITES is off. 403: the request is understood and refused by
 * policy, before any connection is made.
 */
export class AddressNotAllowedError extends ForbiddenError {
  override readonly code = 'address_not_allowed';
}

/**
 * The call would carry a secret (license key, network credentials) to an http:// URL and
 * ALLOW_HTTP_SITES is off. 403 like AddressNotAllowedError: refused by policy, before any
 * connection is made.
 */
export class HttpNotAllowedError extends ForbiddenError {
  override readonly code = 'http_not_allowed';
}

/** DNS failure, connection refused or reset, TLS failure. */
export class SiteUnreachableError extends BadGatewayError {
  override readonly code = 'site_unreachable';
}

/** The whole call (connect, answer, body) took longer than the timeout. */
export class SiteTimeoutError extends GatewayTimeoutError {
  override readonly code = 'site_timeout';
}

/** The site answered 3xx; redirects are never followed (they could point anywhere). */
export class RedirectRefusedError extends BadGatewayError {
  override readonly code = 'redirect_refused';
}

/** The answer was larger than the cap; the connection was cut. */
export class ResponseTooLargeError extends BadGatewayError {
  override readonly code = 'response_too_large';
}

/** The site answered, but not with the JSON shape its API promises. */
export class InvalidSiteResponseError extends BadGatewayError {
  override readonly code = 'invalid_site_response';
}

/**
 * The site answered with an error status; `status` is what the panel answers (the site's own
 * 400/401/403/404 are passed on, anything else becomes 502) and `siteStatus` what the site said.
 */
export class SiteAnswerError extends AppError {
  constructor(status: number, code: string, message: string, readonly siteStatus: number) {
    super(status, code, message, undefined, { site_status: siteStatus });
  }
}
