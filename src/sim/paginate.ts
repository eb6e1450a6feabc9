// nextToken pagination: the token is the base64url of the last key returned, so a page
// stays correct when items are added or removed between calls.
import type { AwsError } from './errors.js';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function paginate<T>(
  all: T[],
  keyOf: (item: T) => string,
  opts: { maxResults?: number; nextToken?: string; defaultPage: number; maxPage: number; invalid: (msg: string) => AwsError },
): Page<T> {
  const size = opts.maxResults ?? opts.defaultPage;
  if (!Number.isInteger(size) || size < 1 || size > opts.maxPage) {
    throw opts.invalid(`maxResults must be between 1 and ${opts.maxPage}.`);
  }
  let start = 0;
  if (opts.nextToken !== undefined && opts.nextToken !== null) {
    let after: string;
    try {
      const decoded = JSON.parse(Buffer.from(String(opts.nextToken), 'base64url').toString('utf8')) as { k?: unknown };
      if (typeof decoded.k !== 'string') throw new Error('no key');
      after = decoded.k;
    } catch {
      throw opts.invalid('Invalid nextToken.');
    }
    const idx = all.findIndex((item) => keyOf(item) === after);
    // The last key may have gone away; continue after the first key that sorts later.
    start = idx >= 0 ? idx + 1 : all.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = all.length;
  }
  const items = all.slice(start, start + size);
  const more = start + size < all.length;
  return more ? { items, nextToken: Buffer.from(JSON.stringify({ k: keyOf(items[items.length - 1]) })).toString('base64url') } : { items };
}
