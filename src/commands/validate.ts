/**
 * `ecs-gitops validate [dir]`: load a config directory offline and report every
 * problem. Exit 0 valid, 1 invalid, 2 usage or I/O error — fit for a pre-commit hook.
 */
import { ConfigRootError, escapeForTerminal, formatFinding, loadConfig, type LoadResult } from '../load/index.js';

export interface ValidateOptions {
  dir: string;
  output: 'text' | 'json';
}

export async function validateCommand(opts: ValidateOptions, out: (line: string) => void): Promise<number> {
  let result: LoadResult;
  try {
    result = await loadConfig(opts.dir);
  } catch (err) {
    if (err instanceof ConfigRootError) {
      out(opts.output === 'json' ? JSON.stringify({ valid: false, error: err.message }) : `error: ${escapeForTerminal(err.message)}`);
      return 2;
    }
    throw err;
  }
  if (opts.output === 'json') {
    // JSON escapes C0 controls itself; C1 controls and bidirectional overrides too, here.
    out(JSON.stringify({
      valid: result.ok,
      files: result.files,
      documents: result.documents,
      byKind: result.byKind,
      errors: result.ok ? [] : result.errors,
      warnings: result.warnings,
    }, null, 2).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  } else {
    for (const f of [...(result.ok ? [] : result.errors), ...result.warnings]) out(formatFinding(f));
    const kinds = Object.entries(result.byKind).map(([k, n]) => `${n} ${k}`).join(', ');
    const counted = `${result.documents} document${result.documents === 1 ? '' : 's'} in ${result.files} file${result.files === 1 ? '' : 's'}`;
    const dir = escapeForTerminal(opts.dir);
    if (result.ok) out(`${dir}: valid — ${counted}${kinds ? ` (${kinds})` : ''}`);
    else out(`${dir}: invalid — ${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${counted}; nothing from this revision would be applied`);
  }
  return result.ok ? 0 : 1;
}
