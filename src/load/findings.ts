/**
 * What the loader reports: one catalogue of codes, each finding pointing at a file,
 * line and column, and naming the field when there is one. Tests match on `code`;
 * users read `formatFinding`.
 */

export const FINDING_CODES = {
  // The file itself
  FILE_TOO_LARGE: 'the file is larger than the loader accepts',
  FILE_UNREADABLE: 'the file or directory cannot be read',
  NOT_UTF8: 'the file is not valid UTF-8',
  SYMLINK_OUTSIDE_ROOT: 'a symbolic link resolves outside the config root',
  // YAML
  YAML_SYNTAX: 'the YAML cannot be parsed',
  YAML_DUPLICATE_KEY: 'a mapping repeats a key',
  YAML_ALIASES: 'the document expands too many aliases',
  YAML_KEY: 'a mapping key cannot be read as a field name',
  NUMBER_OUT_OF_RANGE: 'a number cannot be read exactly',
  YAML_WARNING: 'the YAML parser warns about a construct',
  // Documents
  NOT_A_MAPPING: 'a document is not a mapping',
  MISSING_KIND: 'a document has no kind',
  UNKNOWN_KIND: 'a document has a kind this controller does not know',
  UNKNOWN_API_VERSION: 'a document has an apiVersion this controller does not know',
  SCHEMA: 'a field does not match the kind schema',
  UNKNOWN_FIELD: 'a field is not part of the kind schema',
  MISSING_FIELD: 'a required field is missing',
  INVALID_COMBINATION: 'fields that are valid alone do not fit together',
  // The set of documents
  DUPLICATE_IDENTITY: 'two documents have the same kind and name',
  DANGLING_REFERENCE: 'a reference names no document',
  WRONG_KIND_REFERENCE: 'a reference names a document of another kind',
  DUPLICATE_AWS_NAME: 'two documents name one AWS object',
  // Overlays (kustomization.yaml)
  KUSTOMIZE_INVALID: 'a kustomization field has the wrong shape',
  KUSTOMIZE_UNSUPPORTED: 'a kustomization uses a kustomize feature ecs-gitops does not implement',
  KUSTOMIZE_RESOURCE: 'a path a kustomization names does not exist',
  KUSTOMIZE_CYCLE: 'kustomizations include each other',
  OUTSIDE_REPOSITORY: 'a kustomization names a path outside the repository root',
  PATCH_NO_TARGET: 'a patch, image or replicas entry matches no document',
  PATCH_FAILED: 'a patch cannot be applied to its target',
  // The loader itself
  TOO_MANY_PROBLEMS: 'a document has more problems than are listed one by one',
  LOADER_FAILED: 'the loader failed on a file (a defect in ecs-gitops; the revision is refused)',
  // Warnings
  EMPTY_FILE: 'a file holds no document',
  EMPTY_DOCUMENT: 'a document is empty',
  NO_DOCUMENTS: 'the config root holds no document',
} as const;

export type FindingCode = keyof typeof FINDING_CODES;

export interface Finding {
  code: FindingCode;
  severity: 'error' | 'warning';
  /** The file as the user named it: the root they gave joined with the relative path. */
  file: string;
  line: number;
  column: number;
  /** Field path inside the document, e.g. `spec.containerDefinitions[0].image`. */
  field?: string;
  message: string;
}

/**
 * Text from a checkout (file names, keys, values) made safe to print on a terminal or in
 * a CI log: control characters (a newline that forges a log line, ESC that moves the
 * cursor or clears the screen, C1 controls) and the bidirectional overrides that reorder
 * what is shown are written as escapes. Everything else passes unchanged.
 */
export function escapeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = c.charCodeAt(0);
    return named[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** One line per finding, whatever the file name or message holds. */
export function formatFinding(f: Finding): string {
  const where = `${escapeForTerminal(f.file)}:${f.line}:${f.column}`;
  const prefix = f.severity === 'warning' ? 'warning: ' : '';
  const message = escapeForTerminal(f.message);
  return f.field ? `${where} ${prefix}${escapeForTerminal(f.field)}: ${message}` : `${where} ${prefix}${message}`;
}

/** `['spec', 'containerDefinitions', 0, 'image']` → `spec.containerDefinitions[0].image` */
export function fieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/**
 * How many problems a document, or a file, lists one by one. A list of a hundred
 * thousand bad items is one mistake: the rest are counted in one TOO_MANY_PROBLEMS
 * finding, so neither `validate`'s output nor the daemon's status grows with them.
 */
export const MAX_FINDINGS = 100;

/**
 * One file's findings with at most `MAX_FINDINGS` errors and as many warnings, the first
 * by position; the rest are counted in one finding of their severity.
 */
export function capPerFile(findings: Finding[], file: string): Finding[] {
  if (findings.length <= MAX_FINDINGS) return findings;
  return (['error', 'warning'] as const).flatMap((severity) => {
    const sorted = findings.filter((f) => f.severity === severity).sort(byPosition);
    if (sorted.length <= MAX_FINDINGS) return sorted;
    const next = sorted[MAX_FINDINGS];
    const more = sorted.length - MAX_FINDINGS;
    const rest: Finding = { code: 'TOO_MANY_PROBLEMS', severity, file, line: next.line, column: next.column, message: `and ${more} more ${severity}${more === 1 ? '' : 's'} in this file from here on; fix the ones listed and validate again` };
    return [...sorted.slice(0, MAX_FINDINGS), rest];
  });
}

/**
 * Appends one by one: `push(...list)` passes every item as an argument and throws a
 * RangeError once a file yields some hundred thousand findings.
 */
export function append<T>(to: T[], items: Iterable<T>): void {
  for (const item of items) to.push(item);
}

export function byPosition(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}
