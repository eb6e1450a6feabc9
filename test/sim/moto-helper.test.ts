import t from 'tap';
import { startMoto } from '../helpers/moto.js';

function fakeTap() {
  const calls = { fail: [] as string[], skip: [] as string[], comment: [] as string[] };
  return {
    calls,
    tap: {
      teardown: () => undefined,
      fail: (m: string) => calls.fail.push(m),
      skip: (m: string) => calls.skip.push(m),
      comment: (m: string) => calls.comment.push(m),
    },
  };
}

t.test('a missing moto_server skips locally and fails under CI=true', async (t) => {
  const saved = { PATH: process.env.PATH, CI: process.env.CI };
  t.teardown(() => {
    process.env.PATH = saved.PATH;
    if (saved.CI === undefined) delete process.env.CI;
    else process.env.CI = saved.CI;
  });
  process.env.PATH = '/nonexistent';
  delete process.env.CI;
  const local = fakeTap();
  t.equal(await startMoto(local.tap), undefined);
  t.equal(local.calls.skip.length, 1, 'skipped locally');
  t.equal(local.calls.fail.length, 0);
  process.env.CI = 'true';
  const ci = fakeTap();
  t.equal(await startMoto(ci.tap), undefined);
  t.equal(ci.calls.fail.length, 1, 'failed under CI');
  t.match(ci.calls.fail[0], /moto_server is not on PATH/);
});
