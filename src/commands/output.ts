/**
 * `-o text|json|yaml`: how a command prints its outcome. With json or yaml every outcome
 * goes to stdout in that format — the answer, an invalid config's findings, an error —
 * so a script reads one document whatever happened; the exit code still says which.
 * Kept apart from `common.ts` so that `validate` does not load the AWS SDK.
 */
import { Document, visit } from 'yaml';
import type { OptionSpec, OptionTable, OptionValues } from '../config.js';
import { oneOf } from '../config.js';
import { formatFinding, type Finding } from '../load/findings.js';

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  /** Colour output (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
}

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const OUTPUT_OPTIONS = {
  output: {
    type: 'string',
    short: 'o',
    placeholder: 'text|json|yaml',
    default: 'text',
    description: 'print the outcome as text, or as one JSON or YAML document on stdout (errors included)',
  },
} as const satisfies OptionTable;

export function outputFormat(values: OptionValues): OutputFormat {
  return oneOf(values.output as string | undefined, '--output', OUTPUT_FORMATS, 'text');
}

// C1 controls and bidirectional overrides would reach a terminal raw in either format.
const UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const escapeUnsafe = (text: string) => text.replace(new RegExp(UNSAFE.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `data` as a document in a structured format. */
export function serialize(format: Exclude<OutputFormat, 'text'>, data: unknown): string {
  if (format === 'json') return escapeUnsafe(JSON.stringify(data, null, 2));
  const doc = new Document(data);
  // Such a string is written double-quoted, where `\uXXXX` is an escape YAML reads back.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && UNSAFE.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return escapeUnsafe(doc.toString({ lineWidth: 0 })).replace(/\n$/, '');
}

/** Prints a command's answer: `text()` in text, `data` otherwise. */
export function emit(io: CommandIO, format: OutputFormat, data: unknown, text: () => string): void {
  io.out(format === 'text' ? text() : serialize(format, data));
}

/**
 * Reports an error and returns `code`: `error: message` on stderr in text, `{error,
 * …details}` on stdout otherwise.
 */
export function fail(io: CommandIO, format: OutputFormat, message: string, details: Record<string, unknown> = {}, code = 2): number {
  if (format === 'text') io.err(`error: ${message}`);
  else io.out(serialize(format, { error: message, ...details }));
  return code;
}

/** An invalid config: every finding with file, line, column and field, and the verdict. */
export function failInvalid(io: CommandIO, format: OutputFormat, dir: string, errors: readonly Finding[], code = 2): number {
  const verdict = `${dir}: invalid — ${errors.length} error${errors.length === 1 ? '' : 's'}; refusing to act on it`;
  if (format !== 'text') return fail(io, format, verdict, { valid: false, errors }, code);
  for (const e of errors) io.err(formatFinding(e));
  io.err(verdict);
  return code;
}

/**
 * The format asked for on a command line that may not parse (a usage error is reported
 * in it too): `-o F`, `-oF`, `--output F`, `--output=F`, else ECS_GITOPS_OUTPUT.
 */
export function requestedFormat(argv: readonly string[], options: OptionSpec, env: NodeJS.ProcessEnv = process.env): OutputFormat {
  if (!('output' in options)) return 'text';
  let asked = env.ECS_GITOPS_OUTPUT;
  argv.forEach((a, i) => {
    if (a === '-o' || a === '--output') asked = argv[i + 1];
    else if (a.startsWith('--output=')) asked = a.slice('--output='.length);
    else if (/^-o[^-]/.test(a)) asked = a.slice(2);
  });
  return (OUTPUT_FORMATS as readonly (string | undefined)[]).includes(asked) ? (asked as OutputFormat) : 'text';
}
