// Bad input at the daemon level: the daemon (in-process, pruning on) watches a git
// repository whose config directory receives a sequence of commits, valid and invalid.
// AWS only ever shows valid revisions: after each bad commit not one write reaches AWS,
// nothing is pruned (each bad commit also deletes a service's file, which a valid commit
// would prune), and the status API names the file and line; after each valid commit AWS
// converges to it.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { FAST_ROLLOUT, eventually, imageOf, inProcessDaemon, metricSum, writeCalls, writeFleet, type InProcessDaemon, type StatusAnswer } from '../helpers/fault.js';

const SERVICES = 6;
/** The service file every bad commit deletes: pruning it would show the bad revision was applied. */
const BAIT = 'svc-05';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=ecs-gitops tests', '-c', 'user.email=tests@ecs-gitops.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function commit(dir: string, message: string): string {
  git(dir, 'add', '-A', '.');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** What the controller could have changed in AWS, without what rollouts move on their own. */
function awsView(sim: RunningSimulator): string {
  const s = sim.dump();
  return JSON.stringify({
    clusters: s.clusters.map((c) => [c.name, c.status, c.tags]),
    services: s.services.map((x) => [x.clusterName, x.name, x.status, x.taskDefinition, x.desiredCount, x.tags, x.serviceRegistries]),
    taskDefinitions: s.taskDefinitions.map((x) => [x.arn, x.status, x.tags]),
    namespaces: s.namespaces.map((n) => [n.name, n.description, n.tags]),
    cloudMapServices: s.cloudMapServices.map((x) => [x.name, x.namespaceId, x.description, x.tags, x.instances.filter((i) => !i.attributes.ECS_TASK_DEFINITION_FAMILY).map((i) => [i.id, i.attributes])]),
    operations: s.operations.length,
  });
}

const activeServices = (sim: RunningSimulator) => sim.dump().services.filter((s) => s.status === 'ACTIVE').map((s) => s.name).sort();
const runningRevision = (sim: RunningSimulator, name: string) => sim.dump().services.find((s) => s.name === name && s.status === 'ACTIVE')?.taskDefinition.replace(/^.*\//, '');

t.test('a sequence of valid and invalid commits: AWS only ever shows valid revisions, prune never fires on a bad one', async (t) => {
  const sim = await startSimulator({ rolloutTimings: FAST_ROLLOUT });
  t.teardown(() => sim.close());
  const repo = t.testdir();
  const config = join(repo, 'config');
  const fleet = writeFleet(config, { services: SERVICES });
  // Outside the repository: a copy of the valid config, and the target of a symlink.
  const elsewhere = mkdtempSync(join(tmpdir(), 'ecs-gitops-fault-'));
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  const pristine = join(elsewhere, 'pristine');
  /** Keeps the config of the last valid commit, for `restore`. */
  const keepGood = () => {
    rmSync(pristine, { recursive: true, force: true });
    cpSync(config, pristine, { recursive: true });
  };
  keepGood();
  const restore = () => {
    rmSync(config, { recursive: true, force: true });
    cpSync(pristine, config, { recursive: true });
  };
  git(repo, 'init', '-q');
  const first = commit(repo, 'six services');

  const d: InProcessDaemon = await inProcessDaemon(t, { repo, path: 'config', endpoint: sim.endpoint, prune: true, debounceMs: 100, resyncMs: 500 });
  const status = () => d.status();

  const converged = async (revision: string, documents: number) => {
    const ok = await eventually(async () => (await status()).appliedRevision === revision && (await d.allSynced(documents)), 30_000);
    t.ok(ok, `AWS converged to ${revision.slice(0, 8)}`);
  };
  await converged(first, fleet.documents);
  t.same(activeServices(sim), fleet.services, 'every service of the first commit runs');

  /** A bad commit: it is seen (`seen`), then a full resync passes; AWS must be exactly as before. */
  const rejected = async (what: string, change: () => void, seen: (s: StatusAnswer, logs: InProcessDaemon['logs']) => boolean) => {
    await t.test(what, async (t) => {
      const before = awsView(sim);
      const metricsBefore = await d.metrics();
      change();
      const revision = commit(repo, what);
      const noticed = await eventually(async () => seen(await status(), d.logs), 20_000);
      t.ok(noticed, 'the daemon saw the commit and refused it');
      // At least one full resync after the refusal, so a pass on the bad revision would have run.
      const refusedAt = Date.now();
      t.ok(await eventually(async () => Date.parse((await status()).lastSyncAt ?? '') > refusedAt + 600, 10_000), 'a resync ran since');
      t.equal(awsView(sim), before, 'AWS is exactly as before');
      const metricsAfter = await d.metrics();
      t.equal(writeCalls(metricsAfter), writeCalls(metricsBefore), 'not one write call');
      t.same(activeServices(sim), fleet.services, `nothing pruned: ${BAIT} and every other service still ACTIVE`);
      t.equal((await status()).appliedRevision, lastGood, 'the last valid revision stays in force');
      t.comment(`${revision.slice(0, 8)}: load failures ${metricSum(metricsBefore, 'ecs_gitops_snapshot_load_failures_total')} → ${metricSum(metricsAfter, 'ecs_gitops_snapshot_load_failures_total')}`);
    });
  };
  const loadFailures = async () => metricSum(await d.metrics(), 'ecs_gitops_snapshot_load_failures_total');
  const refusedWith = (code: string, file: RegExp) => (s: StatusAnswer) =>
    s.attemptedRevision === git(repo, 'rev-parse', 'HEAD') && s.loadErrors.some((e) => e.code === code && file.test(e.file) && e.line > 0);

  let lastGood = first;

  // 1. A syntax error (and the bait deleted).
  let failuresBefore = await loadFailures();
  await rejected('syntax error', () => {
    writeFileSync(join(config, 'services', 'svc-01.yaml'), readFileSync(join(config, 'services', 'svc-01.yaml'), 'utf8').replace('kind: Service\n', 'kind: Service\n  metadata: [unclosed\n'));
    rmSync(join(config, 'services', `${BAIT}.yaml`));
  }, (s) => s.attemptedRevision === git(repo, 'rev-parse', 'HEAD') && s.loadErrors.some((e) => /svc-01\.yaml$/.test(e.file) && e.line > 1));
  t.ok((await loadFailures()) > failuresBefore, 'ecs_gitops_snapshot_load_failures_total counts it');
  const syntax = (await status()).loadErrors.find((e) => /svc-01\.yaml$/.test(e.file));
  t.match(syntax, { file: /config\/services\/svc-01\.yaml$/, line: Number, column: Number }, `file and line: ${syntax?.file}:${syntax?.line}:${syntax?.column} ${syntax?.message}`);

  // 2. A valid change: one new image.
  restore();
  writeFileSync(join(config, 'services', 'svc-02.yaml'), readFileSync(join(config, 'services', 'svc-02.yaml'), 'utf8').replace(imageOf('svc-02', '1.0.0'), imageOf('svc-02', '1.1.0')));
  lastGood = commit(repo, 'svc-02 1.1.0');
  keepGood();
  await converged(lastGood, fleet.documents);
  t.equal(runningRevision(sim, 'svc-02'), 'svc-02:2', 'svc-02 runs its new revision');
  t.equal((await status()).loadErrors.length, 0, 'no load errors shown any more');

  // 3. A schema error.
  failuresBefore = await loadFailures();
  await rejected('schema error', () => {
    writeFileSync(join(config, 'services', 'svc-03.yaml'), readFileSync(join(config, 'services', 'svc-03.yaml'), 'utf8').replace('desiredCount: 1', 'desiredCount: three\n  replicas: 3'));
    rmSync(join(config, 'services', `${BAIT}.yaml`));
  }, refusedWith('SCHEMA', /svc-03\.yaml$/));
  t.ok((await loadFailures()) > failuresBefore, 'counted as a load failure');

  // 4. A dangling reference.
  await rejected('dangling reference', () => {
    cpSync(join(pristine, 'services', 'svc-03.yaml'), join(config, 'services', 'svc-03.yaml'));
    writeFileSync(join(config, 'services', 'svc-04.yaml'), readFileSync(join(config, 'services', 'svc-04.yaml'), 'utf8').replace('taskDefinition: svc-04', 'taskDefinition: svc-04-typo'));
  }, refusedWith('DANGLING_REFERENCE', /svc-04\.yaml$/));

  // 5. The config directory deleted: no snapshot at all, and certainly not an empty one.
  await rejected('config directory deleted', () => {
    rmSync(config, { recursive: true, force: true });
  }, (_s, logs) => logs.some((l) => /cannot read the config source/.test(l.msg)));

  // 6. A 50 MB file next to otherwise valid documents.
  await rejected('a 50 MB file', () => {
    restore();
    rmSync(join(config, 'services', `${BAIT}.yaml`));
    writeFileSync(join(config, 'services', 'huge.yaml'), `# padding\n${'#'.repeat(99)}\n`.repeat(500_000));
  }, refusedWith('FILE_TOO_LARGE', /huge\.yaml$/));

  // 7. A symbolic link out of the repository, to a document that would create a service.
  const outside = join(elsewhere, 'intruder.yaml');
  writeFileSync(outside, readFileSync(join(pristine, 'services', 'svc-00.yaml'), 'utf8').replaceAll('svc-00', 'intruder'));
  await rejected('a symlink out of the repository', () => {
    rmSync(join(config, 'services', 'huge.yaml'));
    symlinkSync(outside, join(config, 'services', 'intruder.yaml'));
  }, refusedWith('SYMLINK_OUTSIDE_ROOT', /intruder\.yaml$/));
  t.notOk(sim.dump().services.some((s) => s.name === 'intruder'), 'nothing from outside the repository reached AWS');

  // 8. Input past AWS's limits or not readable as JSON: a desired count of a million, a
  // tag key with a BEL, a __proto__ key, keys 1 and "1", 1e400. Each is refused with its
  // line, before any call.
  await rejected('past AWS limits and odd keys', () => {
    rmSync(join(config, 'services', 'intruder.yaml'));
    const svc = (name: string) => join(config, 'services', `${name}.yaml`);
    writeFileSync(svc('svc-01'), readFileSync(svc('svc-01'), 'utf8').replace('desiredCount: 1', 'desiredCount: 1000000'));
    writeFileSync(svc('svc-03'), readFileSync(svc('svc-03'), 'utf8').replace('desiredCount: 1', 'desiredCount: 1e400'));
    writeFileSync(svc('svc-04'), `${readFileSync(svc('svc-04'), 'utf8').replace(/\n*$/, '\n')}  tags:\n    "bell\\a": x\n    __proto__: y\n    1: a\n    "1": b\n`);
  }, (s) =>
    s.attemptedRevision === git(repo, 'rev-parse', 'HEAD') &&
    s.loadErrors.some((e) => /svc-01\.yaml$/.test(e.file) && (e as { field?: string }).field === 'spec.desiredCount') &&
    s.loadErrors.some((e) => /svc-03\.yaml$/.test(e.file) && e.code === 'NUMBER_OUT_OF_RANGE') &&
    s.loadErrors.some((e) => /svc-04\.yaml$/.test(e.file) && e.code === 'YAML_KEY'),
  );
  restore();
  rmSync(join(config, 'services', `${BAIT}.yaml`));

  // 9. Valid again: the bait's deletion now counts, and prune does its job.
  writeFileSync(join(config, 'services', 'svc-00.yaml'), readFileSync(join(config, 'services', 'svc-00.yaml'), 'utf8').replace(imageOf('svc-00', '1.0.0'), imageOf('svc-00', '1.1.0')));
  lastGood = commit(repo, `svc-00 1.1.0, ${BAIT} removed`);
  await converged(lastGood, fleet.documents - 3);
  t.same(activeServices(sim), fleet.services.filter((s) => s !== BAIT), `${BAIT} pruned by the valid commit that deleted it`);
  t.notOk(sim.dump().cloudMapServices.some((s) => s.name === BAIT), `its Cloud Map service too`);
  t.same(
    Object.fromEntries(fleet.services.filter((s) => s !== BAIT).map((s) => [s, runningRevision(sim, s)])),
    Object.fromEntries(fleet.services.filter((s) => s !== BAIT).map((s) => [s, `${s}:${s === 'svc-00' || s === 'svc-02' ? 2 : 1}`])),
    'every service on the revision of the last valid commit',
  );
  t.same(sim.dump().familyRevisions, { ...Object.fromEntries(fleet.services.map((s) => [s, 1])), 'svc-00': 2, 'svc-02': 2 }, 'only the two valid image changes registered revisions');
});
