// HTTP front of the simulator: AWS JSON 1.1 on POST /, and a small admin API under
// /_sim/, a path AWS never uses.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ManualClock } from './clock.js';
import type { FaultSettings } from './context.js';
import type { SimEngine } from './engine.js';
import { requestId } from './ids.js';
import { answerSts, isStsRequest } from './sts.js';

const MAX_BODY = 5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.1'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId(),
  });
  res.end(text);
}

async function admin(engine: SimEngine, req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
  const path = url.pathname;
  if (path === '/_sim/health') return send(res, 200, { ok: true }, 'application/json');
  if (path === '/_sim/state' && req.method === 'GET') return send(res, 200, engine.dump(), 'application/json');
  if (path === '/_sim/reset' && req.method === 'POST') {
    engine.reset();
    return send(res, 200, { reset: true }, 'application/json');
  }
  if (path === '/_sim/faults') {
    if (req.method === 'POST') {
      let patch: Partial<FaultSettings>;
      try {
        patch = JSON.parse(body || '{}') as Partial<FaultSettings>;
      } catch {
        return send(res, 400, { error: 'body must be JSON' }, 'application/json');
      }
      engine.setFaults(patch);
    }
    return send(res, 200, engine.faults, 'application/json');
  }
  if (path === '/_sim/clock/advance' && req.method === 'POST') {
    if (!(engine.clock instanceof ManualClock)) return send(res, 409, { error: 'the simulator runs on the real clock' }, 'application/json');
    const ms = Number(url.searchParams.get('ms') ?? '0');
    if (!Number.isFinite(ms) || ms < 0) return send(res, 400, { error: 'ms must be a non-negative number' }, 'application/json');
    engine.clock.advance(ms);
    return send(res, 200, { now: engine.clock.now() }, 'application/json');
  }
  return send(res, 404, { error: `no admin route ${req.method ?? ''} ${path}` }, 'application/json');
}

export function createSimServer(engine: SimEngine): Server {
  return createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname.startsWith('/_sim/')) return await admin(engine, req, res, url, body);
        if (req.method !== 'POST') return send(res, 404, { __type: 'com.amazon.coral.service#UnknownOperationException', message: 'Not found' });
        const latency = engine.faults.latencyMs;
        if (latency > 0) await new Promise((r) => setTimeout(r, latency));
        const header = req.headers['x-amz-target'];
        if (isStsRequest(Array.isArray(header) ? header[0] : header, req.headers['content-type'])) {
          const sts = answerSts(body, engine.accountId);
          res.writeHead(sts.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(sts.body) });
          return void res.end(sts.body);
        }
        const result = engine.invoke(Array.isArray(header) ? header[0] : header, body);
        if (result.drop) return void res.destroy();
        send(res, result.status, result.body);
      } catch (err) {
        if (!res.headersSent) send(res, 500, { __type: 'com.amazon.coral.service#InternalFailure', message: String(err) });
      }
    })();
  });
}
