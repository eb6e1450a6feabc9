// The shape the code keeps: no function in the pure core (kind modules included) or the
// loop's runtime grows past about sixty lines, so each reads as one idea.
import t from 'tap';
import ts from 'typescript';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LIMIT = 60;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every function, method, arrow function and constructor longer than `limit` lines in `file`. */
function longFunctions(file: string, text: string, limit: number): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    const fn = ts.isFunctionLike(node) && 'body' in node && node.body ? node : undefined;
    if (fn) {
      const first = source.getLineAndCharacterOfPosition(fn.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(fn.end).line;
      const name = (fn as { name?: ts.Node }).name?.getText(source) ?? '(anonymous)';
      if (last - first + 1 > limit) found.push(`${file}:${first + 1} ${name}: ${last - first + 1} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

t.test(`no function in src/core or src/runtime is longer than ${LIMIT} lines`, async (t) => {
  const files = [...sources('src/core'), ...sources('src/runtime')];
  t.ok(files.some((f) => f.includes(join('core', 'kinds'))), 'the kind modules are included');
  t.same(files.flatMap((file) => longFunctions(file, readFileSync(file, 'utf8'), LIMIT)), []);
});

t.test('the check finds a long function', async (t) => {
  const body = Array.from({ length: LIMIT + 1 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  t.match(longFunctions('x.ts', `function long() {\n${body}\n}\n`, LIMIT), [/x\.ts:1 long: \d+ lines/]);
  t.same(longFunctions('x.ts', 'const short = () => 1;\n', LIMIT), []);
});
