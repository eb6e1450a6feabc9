/**
 * One file's analysis: its YAML parsed, each document's value read and checked against
 * its kind's schema. Parsing is the costly part of a load: the YAML library allocates
 * some 700 bytes for every byte of YAML it reads (15,000 documents churn about 3.6 GB),
 * and in a long-running daemon that churn is what sizes the heap. A load that has many
 * files to analyse therefore runs them in a worker thread (./analyse-worker.ts): the
 * churn stays in the worker's heap, which goes away with it, and the event loop stays
 * free meanwhile. A few files are analysed in place: starting a worker and compiling
 * the schemas there costs more than they do.
 */
import { Worker } from 'node:worker_threads';
import { eventLoopTurns } from './files.js';
import type { Finding } from './findings.js';
import { parseYamlFile } from './parse.js';
import type { SchemaValidator } from './schema.js';

/** What one file yielded: its parse findings and, per document, its value and schema findings. */
export interface FileAnalysis {
  findings: Finding[];
  documents: { index: number; value: unknown; problems: Finding[]; start: { line: number; column: number } }[];
}

/** A file to analyse: the name findings give it, and its bytes. */
export interface FileInput {
  display: string;
  bytes: Uint8Array;
}

export function analyse(display: string, bytes: Uint8Array, validator: SchemaValidator): FileAnalysis {
  try {
    const parsed = parseYamlFile(display, bytes);
    return {
      findings: parsed.findings,
      documents: parsed.documents.map((doc) => ({ index: doc.index, value: doc.value, problems: validator.check(doc), start: doc.position([]) })),
    };
  } catch (err) {
    return { findings: [loaderFailed(display, err)], documents: [] };
  }
}

/**
 * A failure inside the loader is a defect, but it must still refuse the revision with a
 * finding that names the file — never crash `validate` or leave the daemon on an old
 * revision while its status says nothing is wrong.
 */
export function loaderFailed(file: string, err: unknown): Finding {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code: 'LOADER_FAILED', severity: 'error', file, line: 1, column: 1, message: `the loader failed on this file (${what}); nothing from this revision is applied — please report this with the file` };
}

/** Files analysed at or above this many bytes in all go to a worker thread. */
export const WORKER_MIN_BYTES = 256 * 1024;

/** Files sent to the worker in one message: its heap holds one batch and its answer at a time. */
const BATCH_FILES = 100;

export interface AnalyseOptions {
  /** Bytes to analyse at or above which a worker thread does it (default WORKER_MIN_BYTES; 0: always, Infinity: never). */
  workerMinBytes?: number;
  /** The worker's script (default ./analyse-worker beside this module). */
  workerScript?: URL;
}

export interface Analysed {
  /** One per file, in order. */
  analyses: FileAnalysis[];
  /** Where they were made. */
  where: 'worker' | 'in place';
  /** Why the worker could not finish, when the files were analysed in place after it failed. */
  workerError?: Error;
}

/** Analyses of `files`, in order: in a worker thread when there is much to parse, else in place, giving the event loop turns. */
export async function analyseFiles(files: readonly FileInput[], validator: () => SchemaValidator, options: AnalyseOptions = {}): Promise<Analysed> {
  const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  const done: FileAnalysis[] = [];
  let workerError: Error | undefined;
  if (files.length > 0 && bytes >= (options.workerMinBytes ?? WORKER_MIN_BYTES)) {
    try {
      await inWorker(options.workerScript ?? WORKER_SCRIPT, files, done);
      return { analyses: done, where: 'worker' };
    } catch (err) {
      // A worker that cannot start or dies (out of memory, a defect) costs memory and speed, not the load.
      workerError = err instanceof Error ? err : new Error(String(err));
    }
  }
  const turn = eventLoopTurns();
  for (const f of files.slice(done.length)) {
    await turn();
    done.push(analyse(f.display, f.bytes, validator()));
  }
  return { analyses: done, where: 'in place', ...(workerError ? { workerError } : {}) };
}

/**
 * The worker's script beside this module. Run from source (the tests, through tsx, whose
 * loader does not reach worker threads), the compiled worker of the same sources: `npm
 * test` builds before it tests.
 */
const WORKER_SCRIPT = import.meta.url.endsWith('.ts') ? new URL('../../dist/load/analyse-worker.js', import.meta.url) : new URL('./analyse-worker.js', import.meta.url);

/** Runs the files through one worker, batch by batch, appending each answer to `done`; the worker ends with the last. */
async function inWorker(script: URL, files: readonly FileInput[], done: FileAnalysis[]): Promise<void> {
  const worker = new Worker(script);
  try {
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      const next = () => {
        if (sent >= files.length) return resolve();
        const batch = files.slice(sent, sent + BATCH_FILES);
        sent += batch.length;
        worker.postMessage(batch.map((f) => ({ display: f.display, bytes: f.bytes })));
      };
      worker.on('message', (answer: FileAnalysis[]) => {
        done.push(...answer);
        next();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the YAML worker exited with code ${code} before it had analysed every file`)));
      next();
    });
  } finally {
    await worker.terminate();
  }
}
