/**
 * Why the source could not produce a snapshot. These are never config errors (those
 * travel inside a snapshot as the loader's findings); they mean "no snapshot now", so
 * whatever runs on snapshots keeps the last one and must not conclude that git is empty.
 */

export const SOURCE_ERROR_CODES = {
  CONFIG_PATH_MISSING: 'the checkout or the config path inside it does not exist',
  CONFIG_UNSTABLE: 'the config kept changing or moving while it was read',
  GIT_FAILED: 'a git command failed',
  POLL_FAILED: 'the built-in git poller could not fetch or check out the branch',
  WATCH_FAILED: 'the file watcher reported a problem',
  SOURCE_CLOSED: 'the source is closed',
} as const;

export type SourceErrorCode = keyof typeof SOURCE_ERROR_CODES;

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
