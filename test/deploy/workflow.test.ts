// examples/.github/workflows/ecs-gitops.yaml, the config repository's CI: on every pull
// request it runs `ecs-gitops validate` and `ecs-gitops diff`, shows the diff, and treats
// diff's exit 1 ("there are differences") as success but exit 2 as a failure. The diff
// step's script is run here in bash with a stand-in `npx`, as the runner would run it.
import t from 'tap';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cfn.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, { needs?: string; if?: string; steps: Step[] }>;
}

const WORKFLOW = join(ROOT, 'examples/.github/workflows/ecs-gitops.yaml');
const workflow = parse(await readFile(WORKFLOW, 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const diffStep = steps.find((s) => s.id === 'diff')!;
const summaryStep = steps.find((s) => s.name === 'Job summary')!;

t.test('runs on every pull request: validate, then diff with AWS credentials from OIDC', async (t) => {
  t.ok('pull_request' in workflow.on, 'triggered by pull_request');
  t.same(Object.keys(workflow.on), ['pull_request'], 'and by nothing that could run it with write access to AWS');
  t.ok(steps.some((s) => /npx --yes "\$GITOPS_CLI" validate "\$CONFIG_DIR"/.test(s.run ?? '')), 'a step runs ecs-gitops validate');
  t.match(diffStep.run, /npx --yes "\$GITOPS_CLI" diff "\$CONFIG_DIR" --output text/, 'a step runs ecs-gitops diff');
  t.match(workflow.env.GITOPS_CLI, /^ecs-gitops@\d+\.\d+\.\d+$/, 'a pinned release of the CLI');

  const diffJob = Object.values(workflow.jobs).find((j) => j.steps.includes(diffStep))!;
  t.equal(diffJob.needs, 'validate', 'diff runs once the documents are valid');
  const aws = diffJob.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
  t.ok(aws, 'AWS credentials from aws-actions/configure-aws-credentials');
  t.ok(aws!.with?.['role-to-assume'], 'by assuming a role (OIDC), no stored keys');
  t.notOk(JSON.stringify(workflow).match(/aws-access-key-id|aws-secret-access-key/), 'no long-lived access keys anywhere');
  t.equal(workflow.permissions['id-token'], 'write', 'the OIDC token permission');
  t.ok(diffJob.steps.indexOf(aws!) < diffJob.steps.indexOf(diffStep), 'credentials before the diff');
  t.match(diffJob.if, /head\.repo\.full_name == github\.repository/, 'forks get no AWS access');
  t.ok(steps.some((s) => s.uses?.startsWith('actions/github-script@') && /createComment|updateComment/.test(String(s.with?.script))), 'the diff is posted on the pull request');
});

async function runStep(t: { teardown(fn: () => unknown): void }, script: string, npxExit: number, extraEnv: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'ecs-gitops-workflow-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // Stand-in for `npx --yes ecs-gitops@x diff …`: prints a diff or an error, exits as told.
  await writeFile(
    join(bin, 'npx'),
    `#!/usr/bin/env bash\necho "npx $*" >> "${dir}/calls"\nif [ "${npxExit}" = 2 ]; then echo "error: cannot reach the AWS endpoint" >&2; else echo "--- Service/billing (live)"; echo "+++ Service/billing (git)"; echo "-  desiredCount: 2"; echo "+  desiredCount: 3"; fi\nexit ${npxExit}\n`,
  );
  await chmod(join(bin, 'npx'), 0o755);
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  await writeFile(output, '');
  await writeFile(summary, '');
  const env = { PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...workflow.env, ...extraEnv };
  // GitHub runs `run:` scripts with `bash -e {0}`.
  const code = await new Promise<number>((resolve) => execFile('bash', ['--noprofile', '--norc', '-e', '-c', script], { cwd: dir, env }, (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0)));
  const outputs = Object.fromEntries((await readFile(output, 'utf8')).trim().split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
  return { dir, code, outputs, summary, calls: await readFile(join(dir, 'calls'), 'utf8').catch(() => '') };
}

t.test('diff exit 0 and 1 pass the step, exit 2 fails it', async (t) => {
  for (const [exit, passes, changes] of [
    [0, true, 'false'],
    [1, true, 'true'],
    [2, false, undefined],
  ] as const) {
    const r = await runStep(t, diffStep.run!, exit);
    t.equal(r.code === 0, passes, `diff exiting ${exit}: the step ${passes ? 'passes' : 'fails'}`);
    t.equal(r.outputs['exit-code'], String(exit), 'the exit code is a step output');
    t.equal(r.outputs.changes, changes);
    t.match(r.calls, /npx --yes ecs-gitops@\d+\.\d+\.\d+ diff \. --output text/);
  }
});

t.test('the job summary shows the diff (and the error when diff failed)', async (t) => {
  const withChanges = await runStep(t, diffStep.run!, 1);
  const summary = await runStep(t, `cp ${withChanges.dir}/ecs-gitops-diff.txt . && cp ${withChanges.dir}/ecs-gitops-diff.err . && ${summaryStep.run!}`, 0, { EXIT_CODE: '1' });
  const text = await readFile(summary.summary, 'utf8');
  t.match(text, /## ecs-gitops diff/);
  t.match(text, /makes ecs-gitops apply these changes/);
  t.match(text, /```diff\n--- Service\/billing \(live\)\n\+\+\+ Service\/billing \(git\)\n- {2}desiredCount: 2\n\+ {2}desiredCount: 3\n/);
  t.match(summaryStep.if, /always\(\)/, 'the summary is written even when diff failed');

  const failed = await runStep(t, diffStep.run!, 2);
  const failedSummary = await runStep(t, `cp ${failed.dir}/ecs-gitops-diff.txt . && cp ${failed.dir}/ecs-gitops-diff.err . && ${summaryStep.run!}`, 0, { EXIT_CODE: '2' });
  t.match(await readFile(failedSummary.summary, 'utf8'), /\*\*diff failed\*\* \(exit 2\)[\s\S]*cannot reach the AWS endpoint/);
});

t.test('the workflow lives where the loader does not read it: validate of the examples ignores it', async (t) => {
  const { loadConfig } = await import('../../src/load/index.js');
  const result = await loadConfig(join(ROOT, 'examples'));
  t.ok(result.ok, 'examples/ with .github/ in it is still valid');
  t.notMatch(JSON.stringify(result), /ecs-gitops\.yaml/, 'the workflow file is not among the documents');
});
