// The one way a test waits for something that happens outside its control (a child
// process, a file watcher, a server on a real clock): poll a check until it holds, bounded.
// A test never sleeps a fixed time to show that something happened or did not; where time
// itself is the subject, it steps a manual clock instead.
//
//   t.ok(await eventually(() => d.allSynced(24), 60_000), 'converged');
//   await waitFor(() => snapshots.length >= 2, 'the second snapshot');

/**
 * Polls `check` every `intervalMs` until it holds; false after `timeoutMs`. A check that
 * throws counts as "not yet" (e.g. a server still starting).
 */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // not yet answerable: keep polling
    }
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `eventually`, throwing `timed out after … waiting for <what>` (plus `detail()`, if given) when the check never holds. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, intervalMs = 100, detail?: () => string | Promise<string>): Promise<void> {
  if (await eventually(check, timeoutMs, intervalMs)) return;
  let more = '';
  if (detail) {
    try {
      more = `\n${await detail()}`;
    } catch (err) {
      more = `\n${String(err)}`;
    }
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${more}`);
}
