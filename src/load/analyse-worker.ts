/**
 * The worker thread of ./analyse.ts: analyses the files each message brings and answers
 * with their analyses, in order. Its heap holds the YAML parser's churn; the loader
 * ends it when the load has no more files for it.
 */
import { parentPort } from 'node:worker_threads';
import { analyse, type FileInput } from './analyse.js';
import { SchemaValidator } from './schema.js';

const port = parentPort;
if (!port) throw new Error('analyse-worker runs as a worker thread');
let validator: SchemaValidator | undefined;
port.on('message', (files: FileInput[]) => {
  validator ??= new SchemaValidator();
  port.postMessage(files.map((f) => analyse(f.display, f.bytes, validator!)));
});
