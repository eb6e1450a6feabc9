/**
 * The status API's errors: one catalogue of stable codes, each with its HTTP status, and
 * one JSON shape `{ error: { code, message } }`. Clients and tests match on `code`; the
 * message is for people. Whatever goes wrong inside a request ends here — a bad request
 * is a 4xx with a code, never a 500 with a stack trace.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifySchemaValidationError } from 'fastify';

export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, description: 'the request is malformed or a parameter has a value the API does not accept' },
  UNAUTHORIZED: { status: 401, description: 'credentials are missing or wrong' },
  FORBIDDEN: { status: 403, description: 'the endpoint is disabled because its credential is not configured' },
  NOT_FOUND: { status: 404, description: 'no such route or resource' },
  REQUEST_TIMEOUT: { status: 408, description: 'the request headers or body did not arrive in time' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'the request body is larger than the endpoint accepts' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'the request body has a content type the endpoint does not read' },
  TOO_MANY_REQUESTS: { status: 429, description: 'the endpoint is busy with as many requests as it serves at once; retry after the Retry-After seconds' },
  HEADERS_TOO_LARGE: { status: 431, description: 'the request headers are larger than the server reads' },
  SYNC_NOT_ACCEPTED: { status: 503, description: 'the controller did not accept the sync request (for example while shutting down)' },
  NOT_READY: { status: 503, description: 'the controller is not ready to serve (first sync not finished, or shutting down)' },
  OVERLOADED: { status: 503, description: 'the server holds as many reads as it answers at once; retry after the Retry-After seconds' },
  INTERNAL: { status: 500, description: 'an unexpected error; the details are in the controller log' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** An error a route throws on purpose; the error handler turns it into its status and body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.status).headers(error.headers).type('application/json; charset=utf-8').send(errorBody(error.code, error.message));
}

/** `querystring/kind must be equal to one of the allowed values` → something a user can act on. */
export function describeValidation(errors: FastifySchemaValidationError[], context: string | undefined): string {
  const where = context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : (context ?? 'request');
  return errors
    .map((e) => {
      const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
        return `${where} ${field} must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
      }
      if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
        return `unknown ${where} ${e.params.additionalProperty}`;
      }
      return `${where}${field ? ` ${field}` : ''} ${e.message ?? 'is not valid'}`;
    })
    .join('; ');
}

/** Maps fastify's own errors (body parsing, limits, validation) and our ApiErrors into the catalogue. */
function toApiError(error: FastifyError): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) return new ApiError('BAD_REQUEST', describeValidation(error.validation, error.validationContext));
  switch (error.statusCode) {
    case 413:
      return new ApiError('PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 415:
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', error.message);
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new ApiError('BAD_REQUEST', error.message);
  return new ApiError('INTERNAL', 'internal error');
}

/** Installs the error and not-found handlers on the root instance; every plugin inherits them. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: apiError.code, reason: error.message }, 'request refused');
    return sendError(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
}

/**
 * Errors Node's HTTP parser raises before there is a request (a malformed request line,
 * headers too large, a request that did not arrive in time), answered in the same shape
 * as every other error, and the connection closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ApiError('REQUEST_TIMEOUT', 'the request did not arrive in time')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError('HEADERS_TOO_LARGE', 'the request headers are too large')
        : new ApiError('BAD_REQUEST', 'the request is not valid HTTP');
  const body = JSON.stringify(errorBody(error.code, error.message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${error.status} ${error.code.replace(/_/g, ' ')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
