/**
 * The one pagination loop: every page of a list call, following its token to the end.
 * ECS spells the token `nextToken`, Cloud Map `NextToken`, the Resource Groups Tagging API
 * `PaginationToken` (an empty one on the last page); pages are yielded as they
 * arrive, so a caller may act on one page before the next is asked for.
 */
export async function* pages<P extends { nextToken?: string; NextToken?: string; PaginationToken?: string }>(fetchPage: (token: string | undefined) => Promise<P>): AsyncGenerator<P> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield page;
    token = page.nextToken ?? page.NextToken ?? page.PaginationToken;
  } while (token);
}

/** Every item of a list call, all pages. */
export async function listAll<P extends { nextToken?: string; NextToken?: string; PaginationToken?: string }, T>(
  fetchPage: (token: string | undefined) => Promise<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages(fetchPage)) all.push(...(items(page) ?? []));
  return all;
}

/** Items in groups of at most `size`, for calls that take a bounded batch (DescribeServices: 10). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
