export { checkAddress, parseIpLiteral, type AddressVerdict } from './addresses.js';
export {
  checkSiteUrl,
  createOutboundClient,
  DEFAULT_MAX_RESPONSE_BYTES,
  type OutboundClient,
  type OutboundOptions,
  type OutboundRequest,
  type OutboundResponse,
  type Resolver,
} from './client.js';
export {
  AddressNotAllowedError,
  HttpNotAllowedError,
  InvalidSiteResponseError,
  InvalidSiteUrlError,
  RedirectRefusedError,
  ResponseTooLargeError,
  SiteAnswerError,
  SiteTimeoutError,
  SiteUnreachableError,
} from './errors.js';
export { cleanText, isNoRoute, readSiteError, type SiteErrorBody } from './siteAnswer.js';
export { DEFAULT_PER_HOST, gateKeys, KeyedLimiter, SiteGate } from './gate.js';
export { siteEndpoint } from './urls.js';
