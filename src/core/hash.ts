/**
 * Content hashes: a stable serialisation (keys sorted) hashed with SHA-256, so the same
 * desired content always yields the same tag value and the same idempotency token.
 */
import { createHash } from 'node:crypto';

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    // Keys in code-unit order (sort's own), built as one string: no entry pairs, every content hash of a pass comes through here.
    let out = '';
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out += `${out ? ',' : ''}${JSON.stringify(k)}:${stableStringify(v)}`;
    }
    return `{${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** 32 hex characters of SHA-256: short enough for a tag value and a clientToken. */
export function contentHash(...parts: unknown[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? part : stableStringify(part)).update('\0');
  return hash.digest('hex').slice(0, 32);
}
