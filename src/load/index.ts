/**
 * The loader: a directory of YAML in, either a complete DesiredState or every error
 * out — never a partial state, so a bad commit can never be half-applied.
 */
import { readFile } from 'node:fs/promises';
import { KINDS, isKind, resourceKey, type DesiredState, type Kind, type Resource, type ResourceKey } from '../api/kinds.js';
import { listConfigFiles, type ConfigFile } from './files.js';
import { byPosition, type Finding } from './findings.js';
import { parseYamlFile, type ParsedDocument } from './parse.js';
import { resolve, type LocatedResource } from './resolve.js';
import { checkRules } from './rules.js';
import { SchemaValidator } from './schema.js';

export { ConfigRootError } from './files.js';
export { formatFinding, type Finding } from './findings.js';

/** Larger files are refused unread: a config document is kilobytes. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface LoadOptions {
  maxFileBytes?: number;
  /** Reuse one validator across loads; compiling the schemas is the costly part. */
  validator?: SchemaValidator;
}

export interface LoadSummary {
  files: number;
  documents: number;
  byKind: Partial<Record<Kind, number>>;
  warnings: Finding[];
}

export type LoadResult =
  | ({ ok: true; state: DesiredState } & LoadSummary)
  | ({ ok: false; errors: Finding[] } & LoadSummary);

let sharedValidator: SchemaValidator | undefined;

export async function loadConfig(root: string, options: LoadOptions = {}): Promise<LoadResult> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const validator = options.validator ?? (sharedValidator ??= new SchemaValidator());
  const { files, findings } = await listConfigFiles(root);

  // Read in bounded batches: one file at a time leaves the disk idle between reads.
  const contents: (Buffer | Finding)[] = [];
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    contents.push(...(await Promise.all(files.slice(i, i + READ_CONCURRENCY).map((f) => readConfigFile(f, maxFileBytes)))));
  }
  const documents: ParsedDocument[] = [];
  files.forEach((file, i) => {
    const content = contents[i];
    if (!Buffer.isBuffer(content)) {
      findings.push(content);
      return;
    }
    const parsed = parseYamlFile(file.display, content);
    findings.push(...parsed.findings);
    documents.push(...parsed.documents);
  });

  const located: LocatedResource[] = [];
  const invalid = new Set<ResourceKey>();
  for (const doc of documents) {
    const problems = validator.check(doc);
    if (problems.length > 0) {
      findings.push(...problems);
      const { kind, metadata } = (doc.value ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
      if (isKind(kind) && typeof metadata?.name === 'string') invalid.add(resourceKey(kind, metadata.name));
      continue;
    }
    const resource = doc.value as Omit<Resource, 'source'>;
    const source = { file: doc.file, ...doc.position([]) };
    located.push({ resource: { ...resource, source }, position: doc.position });
  }

  const resolved = resolve(located, invalid);
  findings.push(...resolved.findings);
  for (const item of located) findings.push(...checkRules(item, resolved.resources));

  const byKind: LoadSummary['byKind'] = {};
  for (const kind of KINDS) {
    const count = located.filter((l) => l.resource.kind === kind).length;
    if (count > 0) byKind[kind] = count;
  }
  if (documents.length === 0 && findings.length === 0) {
    findings.push({ code: 'NO_DOCUMENTS', severity: 'warning', file: root, line: 1, column: 1, message: 'no ecs-gitops documents found below this directory' });
  }
  findings.sort(byPosition);
  const errors = findings.filter((f) => f.severity === 'error');
  const summary: LoadSummary = {
    files: files.length,
    documents: documents.length,
    byKind,
    warnings: findings.filter((f) => f.severity === 'warning'),
  };
  return errors.length > 0 ? { ok: false, errors, ...summary } : { ok: true, state: { resources: resolved.resources }, ...summary };
}

const READ_CONCURRENCY = 32;

async function readConfigFile(file: ConfigFile, maxFileBytes: number): Promise<Buffer | Finding> {
  const problem = (code: Finding['code'], message: string): Finding => ({ code, severity: 'error', file: file.display, line: 1, column: 1, message });
  if (file.size > maxFileBytes) {
    return problem('FILE_TOO_LARGE', `file is ${formatBytes(file.size)}; the loader reads files up to ${formatBytes(maxFileBytes)} — split it`);
  }
  try {
    return await readFile(file.real);
  } catch (err) {
    return problem('FILE_UNREADABLE', `cannot read file: ${(err as NodeJS.ErrnoException).code}`);
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
