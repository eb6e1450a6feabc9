export { buildServer } from './server.js';
export type { ApplicationEntry, ApplicationView, ControllerFacade, ServerDeps } from './deps.js';
export { ERROR_CODES, ApiError } from './errors.js';
export type { ErrorBody, ErrorCode } from './errors.js';
export { signBody } from './auth.js';
export { WEBHOOK_BODY_LIMIT } from './actions.js';
