/**
 * Turns the bytes of one file into YAML documents, safely: strict UTF-8, duplicate keys
 * refused, alias expansion capped (a "billion laughs" file is an error, not an outage),
 * and every node kept with its position so later errors can name the line.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { fieldPath, type Finding, type FindingCode } from './findings.js';

/** Alias expansions allowed per document; anchors for shared snippets stay usable. */
export const MAX_ALIAS_COUNT = 50;

/** Flow collections (`[` `{`) nested deeper than this are refused before parsing. */
export const MAX_FLOW_DEPTH = 100;

export interface ParsedDocument {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  value: unknown;
  position: Locator;
}

/** Finds line and column of a field inside one document. */
export interface Locator {
  /** `file` when the field was written in another file than the document's own (an overlay's patch). */
  (path: readonly (string | number)[], key?: string): { line: number; column: number; file?: string };
}

export function parseYamlFile(file: string, bytes: Uint8Array): { documents: ParsedDocument[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const add = (code: FindingCode, line: number, column: number, message: string, severity: Finding['severity'] = 'error') =>
    findings.push({ code, severity, file, line, column, message });

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = positionOf(lossy, lossy.indexOf('\uFFFD'));
    add('NOT_UTF8', at.line, at.column, 'file is not valid UTF-8 text; save it as UTF-8');
    return { documents: [], findings };
  }

  // The parser recurses per level: 100,000 nested brackets hold the event loop for seconds
  // before they overflow the stack. A linear scan refuses them first.
  const tooDeep = flowDepthExceeded(text, MAX_FLOW_DEPTH);
  if (tooDeep !== undefined) {
    const at = positionOf(text, tooDeep);
    add('YAML_SYNTAX', at.line, at.column, `brackets nested deeper than ${MAX_FLOW_DEPTH} levels; refusing the file as a resource-exhaustion risk`);
    return { documents: [], findings };
  }

  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, merge: false }) as Document.Parsed[];
  } catch (err) {
    // The parser recurses; pathological nesting can exhaust the stack.
    add('YAML_SYNTAX', 1, 1, `cannot parse YAML: ${(err as Error).message}`);
    return { documents: [], findings };
  }
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const documents: ParsedDocument[] = [];
  let nonEmpty = 0;
  docs.forEach((doc, index) => {
    for (const e of doc.errors) {
      const at = pos(e.pos[0]);
      const code: FindingCode = e.code === 'DUPLICATE_KEY' ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX';
      add(code, at.line, at.column, yamlMessage(e.code, e.message));
    }
    for (const w of doc.warnings) {
      const at = pos(w.pos[0]);
      add('YAML_WARNING', at.line, at.column, w.message, 'warning');
    }
    if (doc.errors.length > 0) return;
    const contents = doc.contents as Node | null;
    const unreadable = unreadableNodes(contents);
    for (const problem of unreadable) {
      const at = pos(problem.offset);
      findings.push({ code: problem.code, severity: 'error', file, line: at.line, column: at.column, ...(problem.path.length ? { field: fieldPath(problem.path) } : {}), message: problem.message });
    }
    if (unreadable.length > 0) return;
    if (contents === null || (isScalar(contents) && contents.value === null)) {
      if (docs.length > 1) {
        const at = pos(doc.range[0]);
        add('EMPTY_DOCUMENT', at.line, at.column, `document ${index + 1} is empty; skipped`, 'warning');
      }
      return;
    }
    nonEmpty++;
    let value: unknown;
    try {
      // A copy: the parser's strings are slices of the file's text, and one kept slice keeps the whole text alive as long as the desired state.
      value = structuredClone(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    } catch (err) {
      const at = pos(contents.range?.[0] ?? 0);
      const message = /alias/i.test((err as Error).message)
        ? `document expands more than ${MAX_ALIAS_COUNT} aliases; refusing it as a resource-exhaustion risk`
        : `cannot read document: ${(err as Error).message}`;
      add('YAML_ALIASES', at.line, at.column, message);
      return;
    }
    documents.push({ file, index, value, position: locator(doc, pos) });
  });
  if (nonEmpty === 0 && findings.every((f) => f.severity === 'warning')) {
    add('EMPTY_FILE', 1, 1, 'file holds no document; skipped', 'warning');
  }
  return { documents, findings };
}

/** Keys that change what a JavaScript object is rather than what it holds. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Unreadable {
  code: FindingCode;
  offset: number;
  path: (string | number)[];
  message: string;
}

/**
 * What YAML can say but a document cannot mean once read into JSON values: keys that
 * would be dropped or touch the prototype, keys that become one key (`1` and `"1"`),
 * non-scalar keys, and numbers that do not survive as JSON numbers (`1e400` is
 * infinite, `1e23` is past the integers a double holds exactly). Walked with an explicit
 * stack, so nesting depth costs heap, not the call stack.
 */
function unreadableNodes(root: Node | null): Unreadable[] {
  const out: Unreadable[] = [];
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: root, path: [] }];
  while (stack.length > 0 && out.length < 100) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Map<string, unknown>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const offset = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
        if (keyNode !== null && !isScalar(keyNode)) {
          out.push({ code: 'YAML_KEY', offset, path, message: 'a mapping key must be a plain value, not a mapping or list' });
          continue;
        }
        const key = String(keyNode?.value ?? null);
        if (PROTOTYPE_KEYS.has(key)) {
          out.push({ code: 'YAML_KEY', offset, path: [...path, key], message: `the key ${key} is not allowed: it names part of a JavaScript object, not a field` });
        } else if (seen.has(key)) {
          const first = seen.get(key);
          out.push({ code: 'YAML_DUPLICATE_KEY', offset, path: [...path, key], message: `${JSON.stringify(first)} and ${JSON.stringify(keyNode?.value ?? null)} are the same key once read; keep one` });
        }
        seen.set(key, keyNode?.value ?? null);
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    } else if (isScalar(node) && typeof node.value === 'number') {
      const value = node.value;
      const text = node.source ?? String(value);
      const offset = node.range?.[0] ?? 0;
      if (!Number.isFinite(value)) {
        out.push({ code: 'NUMBER_OUT_OF_RANGE', offset, path, message: `the number ${text} is not finite once read (JSON has no infinity or NaN); write a number between -1.8e308 and 1.8e308` });
      } else if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        out.push({ code: 'NUMBER_OUT_OF_RANGE', offset, path, message: `the number ${text} is too large to be read exactly; whole numbers must lie between -9007199254740991 and 9007199254740991` });
      }
    }
  }
  return out;
}

function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'the same key appears twice in one mapping; keep one';
    case 'TAB_AS_INDENT':
      return 'tab used for indentation; YAML indents with spaces only';
    default:
      // The parser's own wording, without its trailing excerpt.
      return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  }
}

/**
 * The offset where `[`/`{` nesting first exceeds `max`, or undefined. Quoted scalars and
 * comments are skipped; a bracket inside a plain scalar counts, which can only make the
 * count larger than the parser's, never smaller.
 */
export function flowDepthExceeded(text: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
    } else if (c === 0x27 /* ' */ && (i === 0 || /[\s[{,:]/.test(text[i - 1]))) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x27; i++);
    } else if (c === 0x23 /* # */ && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * The deepest node that exists along `path` gives the position; with `key`, the key
 * inside that mapping (used for unknown fields, whose value is not the point).
 */
function locator(doc: Document.Parsed, pos: (offset: number) => { line: number; column: number }): Locator {
  const pairOf = (node: unknown, part: string | number) =>
    isMap(node) ? node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part)) : undefined;
  return (path, key) => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node).range?.[0] ?? 0;
    for (const part of path) {
      const pair = pairOf(node, part);
      const child = (pair ? pair.value : isSeq(node) && typeof part === 'number' ? node.items[part] : undefined) as Node | undefined;
      if (!child?.range) {
        const keyNode = pair?.key as Node | undefined;
        return pos(keyNode?.range?.[0] ?? offset);
      }
      node = child;
      offset = child.range[0];
    }
    const keyNode = key === undefined ? undefined : (pairOf(node, key)?.key as Node | undefined);
    return pos(keyNode?.range?.[0] ?? offset);
  };
}

/**
 * Positions inside a file, found by parsing it again only when a message needs one: a
 * parsed document's syntax tree is many times its value, and thousands of them kept
 * alive for errors that rarely come make every load slower.
 */
export function lazyLocator(display: string, bytes: Uint8Array, index: number, start?: { line: number; column: number }): Locator {
  let locate: Locator | undefined;
  return (path, key) => {
    // Where the document starts (every document's source) is known without parsing again.
    if (start && path.length === 0 && key === undefined) return start;
    locate ??= parseYamlFile(display, bytes).documents.find((d) => d.index === index)?.position ?? (() => ({ line: 1, column: 1 }));
    return locate(path, key);
  };
}
