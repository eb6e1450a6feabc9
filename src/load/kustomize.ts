/**
 * Overlays: a directory holding `kustomization.yaml` is rendered, the way `kustomize build`
 * renders it, instead of being read file by file. Its resources (files, and directories —
 * themselves rendered when they hold a kustomization) are collected, then the overlay's
 * own changes are made in kustomize's order: patches, images, replicas, name prefix and
 * suffix (references follow), labels and annotations. Every value keeps the file and line
 * that wrote it, so errors name the base or the patch. Nothing reaches outside the
 * repository root. A field this renderer does not implement is an error, never ignored.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath, sep } from 'node:path';
import { isKind, referencesIn, resourceKey, type Kind } from '../api/kinds.js';
import { listConfigFiles } from './files.js';
import { fieldPath, type Finding, type FindingCode } from './findings.js';
import { annotate, cloneTracked, originAt, setKeyOrigin, type Origin } from './origin.js';
import { lazyLocator, parseYamlFile, type Locator, type ParsedDocument } from './parse.js';
import { jsonPatch, strategicMerge, type PatchProblem } from './patch.js';

export const KUSTOMIZE_API_VERSION = 'kustomize.config.k8s.io/v1beta1';

/** The fields of a kustomization this renderer implements. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'metadata', 'resources', 'patches', 'images', 'replicas', 'namePrefix', 'nameSuffix', 'labels', 'commonLabels', 'commonAnnotations']);

/** Kustomize fields with a hint at what to write instead. */
const INSTEAD: Record<string, string> = {
  bases: 'list the directories under resources',
  patchesStrategicMerge: 'list them under patches (path: or patch:)',
  patchesJson6902: 'list them under patches with a target',
  namespace: 'ECS and Cloud Map objects have no namespace; set the cluster with a patch',
};

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface RenderedDocument {
  value: Json;
  /** Where the document itself was written (its base file). */
  origin: Origin;
}

export interface RenderContext {
  /** Real path of the repository root: nothing outside it is read. */
  boundary: string;
  /** The name to show for a real path (relative to the root the user named). */
  display(real: string): string;
  maxFileBytes: number;
  /** Real paths of every file read while rendering (the source hashes them). */
  inputs: Set<string>;
  /** Parsed input files of this load by real path: a base shared by two overlays is read once. */
  parsed: Map<string, ParsedInput>;
  /** Parsed input files of earlier loads by real path and content (the daemon keeps them): an unchanged base is not parsed again. */
  earlier?: { get(real: string, bytes: Buffer): ParsedInput | undefined; set(real: string, bytes: Buffer, parsed: ParsedInput): void };
}

export interface ParsedInput {
  documents: ParsedDocument[];
  findings: Finding[];
}

/** Renders the kustomization in `dirReal`. Never throws for bad input: problems are findings. */
export async function renderKustomization(dirReal: string, fileName: string, ctx: RenderContext, stack: readonly string[] = []): Promise<{ documents: RenderedDocument[]; findings: Finding[] }> {
  return new Renderer(ctx, dirReal, fileName, stack).render();
}

class Renderer {
  private readonly findings: Finding[] = [];
  private readonly file: string;
  private readonly display: string;
  private locate: Locator = () => ({ line: 1, column: 1 });

  constructor(
    private readonly ctx: RenderContext,
    private readonly dir: string,
    fileName: string,
    private readonly stack: readonly string[],
  ) {
    this.file = join(dir, fileName);
    this.display = ctx.display(this.file);
  }

  private problem(code: FindingCode, path: (string | number)[], message: string, key?: string): void {
    this.findings.push({ code, severity: 'error', file: this.display, ...this.locate(path, key), ...(path.length || key ? { field: fieldPath(key ? [...path, key] : path) } : {}), message });
  }

  private origin(path: (string | number)[]): Origin {
    return { file: this.display, locate: this.locate, path };
  }

  async render(): Promise<{ documents: RenderedDocument[]; findings: Finding[] }> {
    const kustomization = this.readKustomization();
    if (!kustomization) return { documents: [], findings: this.findings };
    let documents = await this.resources(kustomization.resources);
    // Patches over a base that failed to read would only add errors about missing targets.
    if (this.findings.some((f) => f.severity === 'error')) return { documents, findings: this.findings };
    const before = this.findings.length;
    documents = this.patches(documents, kustomization.patches);
    this.images(documents, kustomization.images);
    this.replicas(documents, kustomization.replicas);
    this.rename(documents, kustomization.namePrefix, kustomization.nameSuffix);
    this.metadata(documents, kustomization);
    // A kustomization with errors contributes its errors only, never a half-rendered set.
    return { documents: this.findings.length > before ? [] : documents, findings: this.findings };
  }

  private readKustomization(): Json | undefined {
    const parsed = readInput(this.file, this.display, this.ctx);
    this.findings.push(...parsed.findings);
    if (parsed.documents.length === 0) return undefined;
    const [doc] = parsed.documents;
    this.locate = doc.position;
    if (parsed.documents.length > 1) this.problem('KUSTOMIZE_INVALID', [], 'a kustomization file holds one document');
    if (!isMap(doc.value)) {
      this.problem('KUSTOMIZE_INVALID', [], 'a kustomization is a mapping (resources, patches, images…)');
      return undefined;
    }
    const k = doc.value;
    if (k.apiVersion !== undefined && k.apiVersion !== KUSTOMIZE_API_VERSION) this.problem('KUSTOMIZE_INVALID', ['apiVersion'], `apiVersion must be ${KUSTOMIZE_API_VERSION}; found ${JSON.stringify(k.apiVersion)}`);
    if (k.kind !== undefined && k.kind !== 'Kustomization') this.problem('KUSTOMIZE_INVALID', ['kind'], `kind must be Kustomization; found ${JSON.stringify(k.kind)}`);
    for (const field of Object.keys(k)) {
      if (SUPPORTED.has(field)) continue;
      const hint = INSTEAD[field] ? `; ${INSTEAD[field]}` : '';
      this.problem('KUSTOMIZE_UNSUPPORTED', [], `the kustomization field ${field} is not supported by ecs-gitops${hint}. Supported: ${[...SUPPORTED].filter((f) => !['apiVersion', 'kind', 'metadata'].includes(f)).join(', ')}`, field);
    }
    for (const field of ['namePrefix', 'nameSuffix']) {
      if (k[field] !== undefined && typeof k[field] !== 'string') this.problem('KUSTOMIZE_INVALID', [field], `${field} must be a string`);
    }
    return this.findings.some((f) => f.severity === 'error') ? undefined : k;
  }

  /** The entries of a list field; absent is empty, anything else than a list an error. */
  private listOf(value: unknown, field: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.problem('KUSTOMIZE_INVALID', [field], `${field} must be a list`);
    return [];
  }

  /**
   * The real path of `entry` (relative to the kustomization's directory), or undefined
   * after reporting why not: absolute paths, remote bases, `..` past the repository root
   * and links that leave it are refused.
   */
  private inRepository(entry: unknown, path: (string | number)[]): string | undefined {
    if (typeof entry !== 'string' || entry === '') {
      this.problem('KUSTOMIZE_INVALID', path, 'must be a relative path to a file or directory');
      return undefined;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\/|^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(entry) || entry.startsWith('git@')) {
      this.problem('KUSTOMIZE_UNSUPPORTED', path, `remote resource ${JSON.stringify(entry)}: ecs-gitops renders files of this repository only`);
      return undefined;
    }
    if (isAbsolute(entry)) {
      this.problem('OUTSIDE_REPOSITORY', path, `${JSON.stringify(entry)} is an absolute path; resources are relative to the kustomization and stay inside the repository`);
      return undefined;
    }
    const lexical = resolvePath(this.dir, entry);
    if (!within(this.ctx.boundary, lexical)) {
      this.problem('OUTSIDE_REPOSITORY', path, `${JSON.stringify(entry)} leads outside the repository root; refusing to read it`);
      return undefined;
    }
    let real: string;
    try {
      real = realpathSync(lexical);
    } catch (err) {
      this.problem('KUSTOMIZE_RESOURCE', path, `${JSON.stringify(entry)} does not exist (${(err as NodeJS.ErrnoException).code})`);
      return undefined;
    }
    if (!within(this.ctx.boundary, real)) {
      this.problem('OUTSIDE_REPOSITORY', path, `${JSON.stringify(entry)} resolves through a symbolic link to ${real}, outside the repository root; refusing to read it`);
      return undefined;
    }
    return real;
  }

  private async resources(value: unknown): Promise<RenderedDocument[]> {
    const documents: RenderedDocument[] = [];
    for (const [index, entry] of this.listOf(value, 'resources').entries()) {
      const real = this.inRepository(entry, ['resources', index]);
      if (!real) continue;
      if (statSync(real).isDirectory()) {
        if (this.stack.includes(real) || real === this.dir) {
          this.problem('KUSTOMIZE_CYCLE', ['resources', index], `${JSON.stringify(entry)} includes a kustomization that includes this one; resources must not form a cycle`);
          continue;
        }
        const rendered = await renderDirectory(real, this.ctx, [...this.stack, this.dir]);
        this.findings.push(...rendered.findings);
        documents.push(...rendered.documents);
      } else {
        const parsed = readInput(real, this.ctx.display(real), this.ctx);
        this.findings.push(...parsed.findings);
        documents.push(...parsed.documents.map(toRendered));
      }
    }
    return documents;
  }

  /** The patch documents of one entry of `patches`, with where they were written. */
  private patchDocuments(entry: Json, index: number): { documents: ParsedDocument[]; name: string } | undefined {
    if (entry.path !== undefined && entry.patch !== undefined) {
      this.problem('KUSTOMIZE_INVALID', ['patches', index], 'a patch has either path or patch, not both');
      return undefined;
    }
    if (entry.path !== undefined) {
      const real = this.inRepository(entry.path, ['patches', index, 'path']);
      if (!real) return undefined;
      const display = this.ctx.display(real);
      const parsed = readInput(real, display, this.ctx);
      this.findings.push(...parsed.findings);
      return parsed.findings.some((f) => f.severity === 'error') ? undefined : { documents: parsed.documents, name: display };
    }
    if (typeof entry.patch !== 'string') {
      this.problem('KUSTOMIZE_INVALID', ['patches', index], 'a patch needs path (a file) or patch (the patch inline, as a string)');
      return undefined;
    }
    // Inline: parsed on its own, its lines shifted to where the text sits in the kustomization.
    const at = this.locate(['patches', index, 'patch']);
    const parsed = parseYamlFile(this.display, Buffer.from(entry.patch, 'utf8'));
    const lines = readFileSync(this.file, 'utf8').split('\n');
    // A block scalar (`patch: |`) starts on the next line, indented; a quoted one where it stands.
    const block = /^[|>]/.test((lines[at.line - 1] ?? '').slice(at.column - 1));
    const indent = indentOf(lines[at.line] ?? '');
    const shift = (line: number, column: number) => ({ line: line + at.line - (block ? 0 : 1), column: block ? column + indent : column + at.column - 1 });
    const findings = parsed.findings.map((f) => ({ ...f, ...shift(f.line, f.column) }));
    this.findings.push(...findings);
    if (findings.some((f) => f.severity === 'error')) return undefined;
    const documents = parsed.documents.map((d) => ({ ...d, position: ((path, key) => {
      const p = d.position(path, key);
      return { ...p, ...shift(p.line, p.column) };
    }) as Locator }));
    return { documents, name: `the inline patch patches[${index}]` };
  }

  private patches(documents: RenderedDocument[], value: unknown): RenderedDocument[] {
    let current = documents;
    for (const [index, entry] of this.listOf(value, 'patches').entries()) {
      if (!isMap(entry)) {
        this.problem('KUSTOMIZE_INVALID', ['patches', index], 'a patch is a mapping with path or patch, and an optional target');
        continue;
      }
      for (const key of Object.keys(entry)) {
        if (!['path', 'patch', 'target'].includes(key)) this.problem('KUSTOMIZE_UNSUPPORTED', ['patches', index], `the patch field ${key} is not supported (supported: path, patch, target)`, key);
      }
      const select = this.targetSelector(entry.target, index);
      const source = this.patchDocuments(entry, index);
      if (!source || select === null) continue;
      for (const doc of source.documents) {
        annotate(doc.value, { file: doc.file, locate: doc.position, path: [] });
        current = this.applyPatch(current, doc, source.name, select, index);
      }
    }
    return current;
  }

  /** `target` as a predicate over documents; undefined when absent, null when invalid. */
  private targetSelector(target: unknown, index: number): ((d: Json) => boolean) | undefined | null {
    if (target === undefined) return undefined;
    if (!isMap(target)) {
      this.problem('KUSTOMIZE_INVALID', ['patches', index, 'target'], 'target is a mapping with kind and/or name');
      return null;
    }
    let ok = true;
    for (const key of Object.keys(target)) {
      if (key !== 'kind' && key !== 'name') {
        this.problem('KUSTOMIZE_UNSUPPORTED', ['patches', index, 'target'], `target.${key} is not supported; select by kind and name`, key);
        ok = false;
      } else if (typeof target[key] !== 'string') {
        this.problem('KUSTOMIZE_INVALID', ['patches', index, 'target', key], `target.${key} must be a string`);
        ok = false;
      }
    }
    if (!ok) return null;
    return (d) => (target.kind === undefined || d.kind === target.kind) && (target.name === undefined || nameOf(d) === target.name);
  }

  private applyPatch(documents: RenderedDocument[], patch: ParsedDocument, name: string, select: ((d: Json) => boolean) | undefined, index: number): RenderedDocument[] {
    const value = patch.value;
    const json = Array.isArray(value);
    if (!json && !isMap(value)) {
      this.findings.push({ code: 'PATCH_FAILED', severity: 'error', file: patch.file, ...patch.position([]), message: `${name}: a patch is a partial document (strategic merge) or a list of JSON patch operations` });
      return documents;
    }
    if (json && !select) {
      this.problem('KUSTOMIZE_INVALID', ['patches', index], `${name} is a JSON patch: it needs a target (kind and name) saying what it patches`);
      return documents;
    }
    if (!select && (typeof (value as Json).kind !== 'string' || nameOf(value as Json) === undefined)) {
      this.findings.push({ code: 'PATCH_FAILED', severity: 'error', file: patch.file, ...patch.position([]), message: `${name}: a strategic-merge patch without a target names the document it patches by kind and metadata.name` });
      return documents;
    }
    const matches = select ?? ((d: Json) => d.kind === (value as Json).kind && nameOf(d) === nameOf(value as Json));
    const described = select ? 'its target' : `${String((value as Json).kind)} "${String(nameOf(value as Json))}"`;
    const body = json ? undefined : bodyOf(value as Json, patch);
    let hit = false;
    const out: RenderedDocument[] = [];
    for (const doc of documents) {
      if (!matches(doc.value)) {
        out.push(doc);
        continue;
      }
      hit = true;
      const kind = doc.value.kind as Kind;
      // In place: the documents are this kustomization's own copies, all dropped when any patch fails.
      const result = json ? jsonPatch(doc.value, value, { inPlace: true }) : strategicMerge(kind, doc.value, body!, { inPlace: true });
      for (const p of result.problems) this.patchProblem(p, patch, name);
      if (result.problems.length > 0) out.push(doc);
      else if ('value' in result && result.value) out.push({ ...doc, value: result.value });
      // else: `$patch: delete` removed the document
    }
    if (!hit) {
      this.findings.push({ code: 'PATCH_NO_TARGET', severity: 'error', file: patch.file, ...patch.position([]), message: `${name} matches no document: no resource of this kustomization is ${described}` });
    }
    return out;
  }

  private patchProblem(p: PatchProblem, patch: ParsedDocument, name: string): void {
    const origin = p.origin ?? { file: patch.file, locate: patch.position, path: p.path };
    const at = origin.locate(origin.path);
    this.findings.push({ code: 'PATCH_FAILED', severity: 'error', file: at.file ?? origin.file, line: at.line, column: at.column, ...(origin.path.length ? { field: fieldPath(origin.path) } : {}), message: `${name}: ${p.message}` });
  }

  private images(documents: RenderedDocument[], value: unknown): void {
    for (const [index, entry] of this.listOf(value, 'images').entries()) {
      const at = ['images', index];
      if (!isMap(entry) || typeof entry.name !== 'string') {
        this.problem('KUSTOMIZE_INVALID', at, 'an image entry needs name (the image as written in the containers), and newName, newTag or digest');
        continue;
      }
      const unknown = Object.keys(entry).filter((k) => !['name', 'newName', 'newTag', 'digest'].includes(k));
      for (const key of unknown) this.problem('KUSTOMIZE_UNSUPPORTED', at, `the image field ${key} is not supported (supported: name, newName, newTag, digest)`, key);
      const bad = ['newName', 'newTag', 'digest'].filter((k) => entry[k] !== undefined && typeof entry[k] !== 'string');
      for (const key of bad) this.problem('KUSTOMIZE_INVALID', [...at, key], `${key} must be a string`);
      if (unknown.length || bad.length) continue;
      let hit = false;
      for (const doc of documents) {
        if (doc.value.kind !== 'TaskDefinition') continue;
        const containers = (doc.value.spec as Json | undefined)?.containerDefinitions;
        if (!Array.isArray(containers)) continue;
        for (const container of containers) {
          if (!isMap(container) || typeof container.image !== 'string') continue;
          const image = splitImage(container.image);
          if (image.name !== entry.name) continue;
          hit = true;
          const name = (entry.newName as string | undefined) ?? image.name;
          const suffix = entry.digest !== undefined ? `@${String(entry.digest)}` : entry.newTag !== undefined ? `:${String(entry.newTag)}` : image.suffix;
          container.image = name + suffix;
          const field = entry.digest !== undefined ? 'digest' : entry.newTag !== undefined ? 'newTag' : 'newName';
          setKeyOrigin(container, 'image', this.origin([...at, field]));
        }
      }
      if (!hit) this.problem('PATCH_NO_TARGET', [...at, 'name'], `images[${index}] matches no container image: no container of this kustomization uses ${JSON.stringify(entry.name)}`);
    }
  }

  private replicas(documents: RenderedDocument[], value: unknown): void {
    for (const [index, entry] of this.listOf(value, 'replicas').entries()) {
      const at = ['replicas', index];
      if (!isMap(entry) || typeof entry.name !== 'string' || !Number.isSafeInteger(entry.count) || (entry.count as number) < 0) {
        this.problem('KUSTOMIZE_INVALID', at, 'a replicas entry needs name (a Service) and count (a whole number >= 0)');
        continue;
      }
      for (const key of Object.keys(entry)) if (key !== 'name' && key !== 'count') this.problem('KUSTOMIZE_UNSUPPORTED', at, `the replicas field ${key} is not supported (supported: name, count)`, key);
      const services = documents.filter((d) => d.value.kind === 'Service' && nameOf(d.value) === entry.name);
      if (services.length === 0) this.problem('PATCH_NO_TARGET', [...at, 'name'], `replicas[${index}] matches no document: no Service "${entry.name}" in this kustomization`);
      for (const service of services) {
        if (!isMap(service.value.spec)) continue;
        service.value.spec.desiredCount = entry.count;
        setKeyOrigin(service.value.spec, 'desiredCount', this.origin([...at, 'count']));
      }
    }
  }

  /** Prefix and suffix on every document's name, and on every reference to a document of this kustomization. */
  private rename(documents: RenderedDocument[], prefix: unknown, suffix: unknown): void {
    if (!prefix && !suffix) return;
    const field = prefix ? 'namePrefix' : 'nameSuffix';
    const renamed = (name: string) => `${(prefix as string | undefined) ?? ''}${name}${(suffix as string | undefined) ?? ''}`;
    const ours = new Set(documents.filter((d) => isKind(d.value.kind) && typeof nameOf(d.value) === 'string').map((d) => resourceKey(d.value.kind as Kind, nameOf(d.value)!)));
    const origin = this.origin([field]);
    for (const { value } of documents) {
      const name = nameOf(value);
      if (!isKind(value.kind) || typeof name !== 'string' || !isMap(value.metadata)) continue;
      value.metadata.name = renamed(name);
      setKeyOrigin(value.metadata, 'name', origin);
      for (const ref of referencesIn(value.kind, value.spec)) {
        if (typeof ref.target !== 'string' || !ours.has(resourceKey(ref.to, ref.target))) continue;
        const parent = ref.path.slice(0, -1).reduce<unknown>((node, part) => (node as Json)[part], value.spec) as Json;
        const last = ref.path[ref.path.length - 1];
        parent[last] = renamed(ref.target);
      }
    }
  }

  private metadata(documents: RenderedDocument[], k: Json): void {
    const labels: { pairs: Json; path: (string | number)[] }[] = [];
    if (k.commonLabels !== undefined) labels.push({ pairs: this.stringMap(k.commonLabels, ['commonLabels']), path: ['commonLabels'] });
    for (const [index, entry] of this.listOf(k.labels, 'labels').entries()) {
      const at = ['labels', index];
      if (!isMap(entry)) {
        this.problem('KUSTOMIZE_INVALID', at, 'a labels entry is a mapping with pairs');
        continue;
      }
      for (const key of Object.keys(entry)) {
        if (key === 'pairs') continue;
        if ((key === 'includeSelectors' || key === 'includeTemplates') && entry[key] === false) continue;
        this.problem('KUSTOMIZE_UNSUPPORTED', at, key === 'includeSelectors' || key === 'includeTemplates' ? `${key}: ECS and Cloud Map documents have no selectors or templates; labels go on metadata.labels only` : `the labels field ${key} is not supported (supported: pairs)`, key);
      }
      labels.push({ pairs: this.stringMap(entry.pairs, [...at, 'pairs']), path: [...at, 'pairs'] });
    }
    const annotations = k.commonAnnotations === undefined ? undefined : this.stringMap(k.commonAnnotations, ['commonAnnotations']);
    // Each value with where it was written, once for all documents.
    const withOrigins = (pairs: Json, path: (string | number)[]): [string, unknown, Origin][] => Object.entries(pairs).map(([key, v]) => [key, v, this.origin([...path, key])]);
    const labelPairs = labels.map((l) => withOrigins(l.pairs, l.path));
    const annotationPairs = annotations ? withOrigins(annotations, ['commonAnnotations']) : [];
    if (labelPairs.every((p) => p.length === 0) && annotationPairs.length === 0) return;
    for (const { value } of documents) {
      if (!isMap(value.metadata)) continue;
      const metadata = value.metadata;
      const add = (field: 'labels' | 'annotations', pairs: [string, unknown, Origin][]) => {
        if (pairs.length === 0) return;
        if (!isMap(metadata[field])) metadata[field] = {};
        const target = metadata[field] as Json;
        for (const [key, v, origin] of pairs) {
          target[key] = v;
          setKeyOrigin(target, key, origin);
        }
      };
      for (const l of labelPairs) add('labels', l);
      add('annotations', annotationPairs);
    }
  }

  private stringMap(value: unknown, path: (string | number)[]): Json {
    if (isMap(value) && Object.values(value).every((v) => typeof v === 'string')) return value;
    this.problem('KUSTOMIZE_INVALID', path, 'must be a mapping of names to string values (quote numbers and booleans)');
    return {};
  }
}

/**
 * A resource directory: rendered when it holds a kustomization, otherwise its YAML files
 * (and the kustomizations below it) are read as the loader reads a config directory.
 */
async function renderDirectory(dirReal: string, ctx: RenderContext, stack: readonly string[]): Promise<{ documents: RenderedDocument[]; findings: Finding[] }> {
  const { files, kustomizations, findings } = await listConfigFiles(dirReal);
  const shown = findings.map((f) => ({ ...f, file: ctx.display(f.file) }));
  const documents: RenderedDocument[] = [];
  for (const file of files) {
    const parsed = readInput(file.real, ctx.display(file.display), ctx);
    shown.push(...parsed.findings);
    documents.push(...parsed.documents.map(toRendered));
  }
  for (const k of kustomizations) {
    if (stack.includes(k.real)) {
      shown.push({ code: 'KUSTOMIZE_CYCLE', severity: 'error', file: ctx.display(join(k.real, k.file)), line: 1, column: 1, message: 'this kustomization includes itself through its resources' });
      continue;
    }
    const rendered = await renderKustomization(k.real, k.file, ctx, stack);
    shown.push(...rendered.findings);
    documents.push(...rendered.documents);
  }
  return { documents, findings: shown };
}

/** A parsed input document as a fresh, annotated copy: each overlay patches its own. */
function toRendered(doc: ParsedDocument): RenderedDocument {
  const origin: Origin = { file: doc.file, locate: doc.position, path: [] };
  return { value: cloneTracked(doc.value as Json), origin };
}

/** Reads and parses an input file once per load; its documents are annotated with their origins and never changed. */
function readInput(real: string, display: string, ctx: RenderContext): ParsedInput {
  const known = ctx.parsed.get(real);
  if (known) return known;
  ctx.inputs.add(real);
  const problem = (code: FindingCode, message: string) => ({ documents: [], findings: [{ code, severity: 'error' as const, file: display, line: 1, column: 1, message }] });
  let result: ParsedInput;
  try {
    const size = statSync(real).size;
    if (size > ctx.maxFileBytes) {
      result = problem('FILE_TOO_LARGE', `file is ${size} bytes; the loader reads files up to ${ctx.maxFileBytes}`);
    } else {
      const bytes = readFileSync(real);
      const earlier = ctx.earlier?.get(real, bytes);
      result = earlier ?? parseYamlFile(display, bytes);
      if (!earlier) {
        result = { findings: result.findings, documents: result.documents.map((doc) => ({ ...doc, position: lazyLocator(display, bytes, doc.index, doc.position([])) })) };
        for (const doc of result.documents) annotate(doc.value, { file: doc.file, locate: doc.position, path: [] });
        ctx.earlier?.set(real, bytes, result);
      }
    }
  } catch (err) {
    result = problem('FILE_UNREADABLE', `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  ctx.parsed.set(real, result);
  return result;
}

/** A strategic-merge patch without the identity that selects its target. */
function bodyOf(patch: Json, parsed: ParsedDocument): Json {
  const body: Json = { ...patch };
  delete body.apiVersion;
  delete body.kind;
  if (isMap(patch.metadata)) {
    const metadata = { ...patch.metadata };
    delete metadata.name;
    annotate(metadata, originAt(patch, 'metadata') ?? { file: parsed.file, locate: parsed.position, path: ['metadata'] });
    if (Object.keys(metadata).length > 0) body.metadata = metadata;
    else delete body.metadata;
  }
  annotate(body, { file: parsed.file, locate: parsed.position, path: [] });
  // Keep the deeper nodes' own origins (annotate above re-stamped them with the same paths).
  return body;
}

function nameOf(doc: Json): string | undefined {
  const name = isMap(doc.metadata) ? doc.metadata.name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** `registry:5000/app:1.2` → name `registry:5000/app`, suffix `:1.2`; a digest (`@sha256:…`) is a suffix too. */
export function splitImage(image: string): { name: string; suffix: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { name: image.slice(0, at), suffix: image.slice(at) };
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? { name: image.slice(0, colon), suffix: image.slice(colon) } : { name: image, suffix: '' };
}

function within(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}
