/**
 * Typed errors. Services throw these; the HTTP layer (src/http/errors.ts) maps them to a
 * status and a body in one place, in the format of the surface that was called.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Error code of the original WP-Project-Update-API, where one exists. */
    readonly legacyCode?: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, legacyCode = 8, details?: Record<string, unknown>) {
    super(400, 'bad_request', message, legacyCode, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required.', details?: Record<string, unknown>) {
    super(401, 'unauthorized', message, 17, details);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Access denied.', details?: Record<string, unknown>) {
    super(403, 'forbidden', message, 17, details);
  }
}
export class NotFoundError extends AppError {
  constructor(message: string, legacyCode = 5, details?: Record<string, unknown>) {
    super(404, 'not_found', message, legacyCode, details);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, 'conflict', message, undefined, details);
  }
}
export class TooManyRequestsError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(429, 'too_many_requests', message);
  }
}
export class BadGatewayError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(502, 'bad_gateway', message, undefined, details);
  }
}
export class UnavailableError extends AppError {
  constructor(message: string, legacyCode?: number, details?: Record<string, unknown>) {
    super(503, 'unavailable', message, legacyCode, details);
  }
}
export class GatewayTimeoutError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(504, 'gateway_timeout', message, undefined, details);
  }
}
