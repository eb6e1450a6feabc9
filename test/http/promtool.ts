// Runs `promtool check metrics` (Prometheus's own linter for the exposition format) on a
// scrape. promtool comes from the Debian package `prometheus` (`apt-get install -y
// prometheus`). When it is missing the check is skipped locally and FAILS when
// process.env.CI === 'true', so CI never silently loses it.
import { execFile } from 'node:child_process';

export interface PromtoolResult {
  /** promtool's exit code: 0 when the exposition is accepted. */
  code: number;
  /** Everything promtool printed (its findings). */
  output: string;
}

/** `undefined` when promtool is not installed. */
export function checkMetrics(exposition: string): Promise<PromtoolResult | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile('promtool', ['check', 'metrics'], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? Number(err.code) : 0, output: `${stdout}${stderr}` });
    });
    child.stdin?.on('error', () => {}); // promtool absent: the callback reports ENOENT
    child.stdin?.end(exposition);
  });
}

/** The subset of a tap Test used here. */
interface TapLike {
  fail(message: string): unknown;
  skip(name: string, cb: () => void): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
  ok(value: unknown, message: string): unknown;
}

/** Asserts that promtool accepts the exposition (or skips / fails as described above). */
export async function assertPromtoolAccepts(t: TapLike, exposition: string): Promise<void> {
  t.ok(exposition.includes('# TYPE'), 'the exposition is not empty (promtool accepts empty input)');
  const result = await checkMetrics(exposition);
  if (!result) {
    const why = 'promtool is not installed (apt-get install -y prometheus)';
    if (process.env.CI === 'true') t.fail(`${why}; CI must run this check`);
    else t.skip(why, () => undefined);
    return;
  }
  t.equal(result.code, 0, `promtool check metrics accepts the exposition${result.output ? `:\n${result.output}` : ''}`);
}
