/**
 * Benchmark: `ecs-gitops validate` on a generated repository of N documents, the way a
 * pre-commit hook runs it (a new process each time, built CLI).
 *
 *   npm run build && npx tsx test/bench/validate.ts [documents=1000] [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { generateRepo } from './lib.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const documents = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const services = Math.max(1, Math.floor((documents - 2) / 3));
const root = generateRepo(mkdtempSync(join(tmpdir(), 'ecs-gitops-bench-')), { services, clusters: 1, cloudMap: true });

const times: number[] = [];
let output = '';
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  output = execFileSync(process.execPath, ['dist/cli.js', 'validate', root], { encoding: 'utf8' });
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(output.trim().replace(root, '<repo>'));
console.log(`validate, ${services * 3 + 2} documents in ${services + 1} files, ${runs} runs (new process each):`);
console.log(`  min ${times[0].toFixed(0)} ms, median ${times[Math.floor(runs / 2)].toFixed(0)} ms, max ${times[runs - 1].toFixed(0)} ms`);
if (process.env.KEEP) console.log(`kept ${root}`);
else rmSync(root, { recursive: true, force: true });
