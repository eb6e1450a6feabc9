/**
 * The credentials of the two mutating endpoints: a bearer token for `POST /api/v1/sync`
 * and a GitHub-style HMAC-SHA256 signature (`X-Hub-Signature-256: sha256=<hex>`) over the
 * raw body for the git webhook. Every comparison is constant-time, so response timing
 * tells an attacker nothing about how much of a guess was right.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * Compares a presented token with the configured one in constant time. Both are hashed
 * first so the buffers have equal length whatever was sent, and the length of the
 * configured token does not leak either.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

export const SIGNATURE_HEADER = 'x-hub-signature-256';
export const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

/** `sha256=<hex>` of the body, as GitHub sends it. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is `sha256=<hex>` and the HMAC of `body` under `secret` is that digest. */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  const match = SIGNATURE_FORMAT.exec(header?.trim() ?? '');
  if (!match) return false;
  const presented = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
