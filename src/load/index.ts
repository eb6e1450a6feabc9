/**
 * The loader: a directory of YAML in, either a complete DesiredState or every error
 * out — never a partial state, so a bad commit can never be half-applied.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { KINDS, isKind, resourceKey, type DesiredState, type Kind, type Resource, type ResourceKey } from '../api/kinds.js';
import { ConfigRootError, eventLoopTurns, listConfigFiles, repositoryRoot, type ConfigFile, type KustomizationDir } from './files.js';
import { renderKustomization, type ParsedInput, type RenderContext } from './kustomize.js';
import { renderedLocator } from './origin.js';
import { append, byPosition, capPerFile, type Finding } from './findings.js';
import { lazyLocator } from './parse.js';
import { analyseFiles, loaderFailed, type AnalyseOptions, type FileAnalysis } from './analyse.js';
import { resolve, type LocatedResource } from './resolve.js';
import { checkRules } from './rules.js';
import { SchemaValidator } from './schema.js';

export { ConfigRootError } from './files.js';
export { escapeForTerminal, formatFinding, type Finding } from './findings.js';

/** Larger files are refused unread: a config document is kilobytes. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface LoadOptions {
  maxFileBytes?: number;
  /** Reuse one validator across loads; compiling the schemas is the costly part. */
  validator?: SchemaValidator;
  /**
   * Reuse what earlier loads found in files whose bytes have not changed (the daemon
   * keeps one): a commit touching one file of thousands parses and validates one file.
   */
  cache?: LoadCache;
  /**
   * The repository root: overlays may read bases anywhere below it, nothing above.
   * Default: the nearest directory at or above the config root holding `.git`.
   */
  repositoryRoot?: string;
  /** Where files are parsed (in a worker thread when there is much to parse; see ./analyse.ts). */
  analyse?: AnalyseOptions;
  /** The YAML worker failed and the files were parsed in place (the daemon logs it). */
  onWorkerFailed?: (err: Error) => void;
}

export interface LoadSummary {
  files: number;
  documents: number;
  byKind: Partial<Record<Kind, number>>;
  warnings: Finding[];
  /** Real paths of the files overlays read (kustomizations, their bases and patches): what the source must hash and watch besides the config root. */
  inputs?: string[];
}

export type LoadResult =
  | ({ ok: true; state: DesiredState } & LoadSummary)
  | ({ ok: false; errors: Finding[] } & LoadSummary);

/** Analyses of files by path relative to the root and content hash. */
export class LoadCache {
  private entries = new Map<string, { hash: string; analysis: FileAnalysis }>();
  private seen = new Set<string>();

  get(relative: string, hash: string): FileAnalysis | undefined {
    this.seen.add(relative);
    const hit = this.entries.get(relative);
    return hit?.hash === hash ? hit.analysis : undefined;
  }

  set(relative: string, hash: string, analysis: FileAnalysis): void {
    this.seen.add(relative);
    this.entries.set(relative, { hash, analysis });
  }

  /** After a load: forget files that are gone. */
  sweep(): void {
    for (const key of this.entries.keys()) if (!this.seen.has(key)) this.entries.delete(key);
    this.seen = new Set();
  }

  // Overlays: their input files parsed, and the rendered documents found valid.
  private inputs = new Map<string, { hash: string; parsed: ParsedInput }>();
  private inputsSeen = new Set<string>();
  private valid = new Set<string>();
  private validSeen = new Set<string>();

  /** For the renderer: parsed input files by real path and content. */
  readonly overlayInputs = {
    get: (real: string, bytes: Buffer): ParsedInput | undefined => {
      this.inputsSeen.add(real);
      const hit = this.inputs.get(real);
      return hit?.hash === contentHash(bytes) ? hit.parsed : undefined;
    },
    set: (real: string, bytes: Buffer, parsed: ParsedInput): void => {
      this.inputsSeen.add(real);
      this.inputs.set(real, { hash: contentHash(bytes), parsed });
    },
  };

  /** A rendered document, as JSON text, that an earlier load found valid: the schema check is skipped. */
  wasValid(text: string): boolean {
    this.validSeen.add(text);
    return this.valid.has(text);
  }

  markValid(text: string): void {
    this.validSeen.add(text);
    this.valid.add(text);
  }

  /** After a load with overlays: forget inputs and documents it did not see. */
  sweepOverlays(): void {
    for (const key of this.inputs.keys()) if (!this.inputsSeen.has(key)) this.inputs.delete(key);
    this.valid = new Set([...this.valid].filter((text) => this.validSeen.has(text)));
    this.inputsSeen = new Set();
    this.validSeen = new Set();
  }
}

const contentHash = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

let sharedValidator: SchemaValidator | undefined;

/** Runs one step of the load; a throw becomes a finding about `file`. */
function guarded(findings: Finding[], file: string, step: () => Iterable<Finding>): void {
  try {
    append(findings, step());
  } catch (err) {
    findings.push(loaderFailed(file, err));
  }
}

/** Findings recorded under another root (a git-sync worktree swap) name the file as it is now. */
const restamp = (findings: Finding[], display: string) => (findings.length && findings[0].file !== display ? findings.map((f) => ({ ...f, file: display })) : findings);


/**
 * Loads a config root. Throws only `ConfigRootError` (the root itself cannot be read);
 * whatever else goes wrong is a finding.
 */
export async function loadConfig(root: string, options: LoadOptions = {}): Promise<LoadResult> {
  try {
    return await loadUnguarded(root, options);
  } catch (err) {
    if (err instanceof ConfigRootError) throw err;
    return { ok: false, errors: [loaderFailed(root, err)], files: 0, documents: 0, byKind: {}, warnings: [] };
  }
}

async function loadUnguarded(root: string, options: LoadOptions): Promise<LoadResult> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // Compiled on first use: a load whose files all go to the worker (or come from the cache) compiles none here.
  let compiled = options.validator;
  const validator = () => (compiled ??= sharedValidator ??= new SchemaValidator());
  const { files, kustomizations, findings } = await listConfigFiles(root);

  const located: LocatedResource[] = [];
  const invalid = new Set<ResourceKey>();
  let documents = 0;
  const turn = eventLoopTurns();
  // Read every file first; what the cache does not know is analysed in one go (in a worker when it is much).
  const read: { file: ConfigFile; bytes: Buffer; hash: string; analysis: FileAnalysis | undefined }[] = [];
  for (const file of files) {
    await turn();
    const bytes = readConfigFile(file, maxFileBytes);
    if (!Buffer.isBuffer(bytes)) {
      findings.push(bytes);
      continue;
    }
    const hash = options.cache ? createHash('sha1').update(bytes).digest('hex') : '';
    read.push({ file, bytes, hash, analysis: options.cache?.get(file.relative, hash) });
  }
  const missed = read.filter((r) => !r.analysis);
  const { analyses, workerError } = await analyseFiles(missed.map((r) => ({ display: r.file.display, bytes: r.bytes })), validator, options.analyse);
  if (workerError) options.onWorkerFailed?.(workerError);
  missed.forEach((r, i) => {
    r.analysis = analyses[i];
    options.cache?.set(r.file.relative, r.hash, analyses[i]);
  });
  for (const { file, bytes, analysis } of read) {
    const inFile = [...restamp(analysis!.findings, file.display)];
    for (const doc of analysis!.documents) {
      documents++;
      if (doc.problems.length > 0) {
        append(inFile, restamp(doc.problems, file.display));
        const { kind, metadata } = (doc.value ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
        if (isKind(kind) && typeof metadata?.name === 'string') invalid.add(resourceKey(kind, metadata.name));
        continue;
      }
      const resource = doc.value as Omit<Resource, 'source'>;
      located.push({ resource: { ...resource, source: { file: file.display, ...doc.start } }, position: lazyLocator(file.display, bytes, doc.index) });
    }
    append(findings, capPerFile(inFile, file.display));
  }
  options.cache?.sweep();
  const overlays = kustomizations.length > 0 ? await renderOverlays(root, kustomizations, { maxFileBytes, validator: validator(), repositoryRoot: options.repositoryRoot, cache: options.cache }, { located, invalid, findings }) : undefined;
  if (overlays) options.cache?.sweepOverlays();
  documents += overlays?.documents ?? 0;

  const resolved = resolve(located, invalid);
  append(findings, resolved.findings);
  for (const item of located) {
    await turn();
    guarded(findings, item.resource.source.file, () => checkRules(item, resolved.resources));
  }

  const byKind: LoadSummary['byKind'] = {};
  for (const kind of KINDS) {
    const count = located.filter((l) => l.resource.kind === kind).length;
    if (count > 0) byKind[kind] = count;
  }
  if (documents === 0 && findings.length === 0) {
    findings.push({ code: 'NO_DOCUMENTS', severity: 'warning', file: root, line: 1, column: 1, message: 'no ecs-gitops documents found below this directory' });
  }
  findings.sort(byPosition);
  // A base rendered into two overlays has its mistakes found twice: list each once.
  const same = (a: Finding, b: Finding) => a.message === b.message && a.field === b.field && byPosition(a, b) === 0;
  const distinct = kustomizations.length > 0 ? findings.filter((f, i) => i === 0 || !same(f, findings[i - 1])) : findings;
  const errors = distinct.filter((f) => f.severity === 'error');
  const summary: LoadSummary = {
    files: files.length + (overlays?.inputs.length ?? 0),
    documents,
    byKind,
    warnings: distinct.filter((f) => f.severity === 'warning'),
    ...(overlays ? { inputs: overlays.inputs } : {}),
  };
  return errors.length > 0 ? { ok: false, errors, ...summary } : { ok: true, state: { resources: resolved.resources }, ...summary };
}

/**
 * Renders the kustomization directories found below the root and validates what they
 * yield like any document; a field's errors name the file and line that wrote it.
 */
async function renderOverlays(
  root: string,
  kustomizations: KustomizationDir[],
  settings: { maxFileBytes: number; validator: SchemaValidator; repositoryRoot: string | undefined; cache: LoadCache | undefined },
  into: { located: LocatedResource[]; invalid: Set<ResourceKey>; findings: Finding[] },
): Promise<{ inputs: string[]; documents: number }> {
  const realRoot = realpathSync(root);
  let boundary = realpathSync(settings.repositoryRoot ?? repositoryRoot(root));
  if (realRoot !== boundary && !realRoot.startsWith(boundary + sep)) boundary = realRoot;
  const ctx: RenderContext = {
    boundary,
    display: (real) => join(root, relative(realRoot, real)),
    maxFileBytes: settings.maxFileBytes,
    inputs: new Set(),
    parsed: new Map(),
    ...(settings.cache ? { earlier: settings.cache.overlayInputs } : {}),
  };
  let documents = 0;
  const turn = eventLoopTurns();
  for (const k of kustomizations) {
    const file = ctx.display(join(k.real, k.file));
    let rendered;
    try {
      rendered = await renderKustomization(k.real, k.file, ctx);
    } catch (err) {
      into.findings.push(loaderFailed(file, err));
      continue;
    }
    append(into.findings, rendered.findings);
    for (const doc of rendered.documents) {
      await turn();
      documents++;
      const position = renderedLocator(doc.value, doc.origin);
      // The daemon re-renders every overlay on each commit; what rendered the same as before and was valid then is valid now.
      const text = settings.cache ? JSON.stringify(doc.value) : '';
      const problems = settings.cache?.wasValid(text) ? [] : settings.validator.check({ file: doc.origin.file, index: 0, value: doc.value, position });
      if (problems.length === 0) settings.cache?.markValid(text);
      if (problems.length > 0) {
        append(into.findings, problems);
        const { kind, metadata } = doc.value as { kind?: unknown; metadata?: { name?: unknown } };
        if (isKind(kind) && typeof metadata?.name === 'string') into.invalid.add(resourceKey(kind, metadata.name));
        continue;
      }
      const start = doc.origin.locate([]);
      const resource = doc.value as unknown as Omit<Resource, 'source'>;
      into.located.push({ resource: { ...resource, source: { file: doc.origin.file, line: start.line, column: start.column } }, position });
    }
  }
  return { inputs: [...ctx.inputs], documents };
}

/** Synchronous, like the walk: small files read one after another, without thread-pool round trips. */
function readConfigFile(file: ConfigFile, maxFileBytes: number): Buffer | Finding {
  const problem = (code: Finding['code'], message: string): Finding => ({ code, severity: 'error', file: file.display, line: 1, column: 1, message });
  if (file.size > maxFileBytes) {
    return problem('FILE_TOO_LARGE', `file is ${formatBytes(file.size)}; the loader reads files up to ${formatBytes(maxFileBytes)} — split it`);
  }
  try {
    return readFileSync(file.real);
  } catch (err) {
    return problem('FILE_UNREADABLE', `cannot read file: ${(err as NodeJS.ErrnoException).code}`);
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
