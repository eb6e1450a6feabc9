/**
 * The web UI: one HTML page at `/`, and its script and style sheet under `/ui/`, read
 * once from `ui/` beside this module (the build copies the folder to dist/). No outside
 * network: everything the page loads comes from this server, and the Content Security
 * Policy forbids anything else — no inline script, no other origin — so a string from
 * the config repository shown on a page cannot run as code. The page reads the status
 * API like any other client; it holds no secret (the API token of the sync button stays
 * in the tab's memory).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { ROUTE_SCHEMAS } from './schemas.js';

/**
 * Where the files are: src/http/ui/ under tsx, dist/http/ui/ when built by `npm run build`
 * (which copies them). A dist/ compiled by tsc alone, in a checkout, finds them in src/.
 */
export const UI_DIRS = [new URL('./ui/', import.meta.url), new URL('../../src/http/ui/', import.meta.url)];

/** The files served, with their content types; nothing else under ui/ is reachable. */
export const UI_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;

export type UiFile = keyof typeof UI_FILES;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  raw: Buffer;
  gzip: Buffer;
}

/**
 * Reads and compresses every UI file from the first of `dirs` that has them all; throws
 * naming the folders when none does.
 */
export function loadAssets(dirs: readonly URL[] = UI_DIRS): Map<UiFile, Asset> {
  const problems: string[] = [];
  for (const dir of dirs) {
    try {
      const assets = new Map<UiFile, Asset>();
      for (const [file, type] of Object.entries(UI_FILES) as [UiFile, string][]) {
        const raw = readFileSync(new URL(file, dir));
        assets.set(file, { type, raw, gzip: gzipSync(raw, { level: 9 }) });
      }
      return assets;
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  throw new Error(`the web UI's files are missing (\`npm run build\` copies src/http/ui/ to dist/http/ui/): ${problems.join('; ')}`);
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  reply
    .type(asset.type)
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', CONTENT_SECURITY_POLICY);
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? asset.gzip : asset.raw);
}

/**
 * Without its files (a build that skipped the copy) the UI answers 404 with the reason,
 * logged once at start; the API and the controller are not held up by a missing page.
 */
export async function uiRoutes(app: FastifyInstance, { dirs }: { dirs?: readonly URL[] } = {}): Promise<void> {
  let assets: Map<UiFile, Asset> | undefined;
  let missing = '';
  try {
    assets = loadAssets(dirs);
  } catch (err) {
    missing = (err as Error).message;
    app.log.warn(missing);
  }
  const serve = (file: string, request: FastifyRequest, reply: FastifyReply) => {
    if (!assets) throw new ApiError('NOT_FOUND', missing);
    const asset = assets.get(file as UiFile);
    if (!asset) throw new ApiError('NOT_FOUND', `no file /ui/${file}`);
    return send(request, reply, asset);
  };
  app.get('/', { schema: ROUTE_SCHEMAS.ui }, async (request, reply) => serve('index.html', request, reply));
  app.get<{ Params: { file: string } }>('/ui/:file', { schema: ROUTE_SCHEMAS.uiAsset }, async (request, reply) =>
    serve(request.params.file === 'index.html' ? '' : request.params.file, request, reply),
  );
}
