// Shared pieces of the fault suite (test/fault/): a generated fleet of services, a seeded
// PRNG, an inventory of what AWS holds (read through the SDK and the simulator's state
// dump) with the "nothing created twice" checks, the daemon in-process and as a child
// process, and bounded polling.
//
//   const fleet = writeFleet(t.testdir(), { services: 24 });
//   const d = await inProcessDaemon(t, { repo: fleet.root, endpoint: sim.endpoint });
//   t.ok(await eventually(() => d.allSynced(fleet.documents), 60_000));
//   checkInventory(t, await inventory(sim), fleet);
import { answerSts, isStsRequest } from '../../src/sim/sts.js';
import { spawnDaemon as spawnChild } from './daemon.js';
import { eventually } from './eventually.js';
import { serviceDocuments } from './fleet.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Test } from 'tap';
import { DescribeServicesCommand, ECSClient, ListClustersCommand, ListServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { ListInstancesCommand, ListNamespacesCommand, ListServicesCommand as ListCloudMapServicesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { startSimulator, type FaultSettings, type RunningSimulator, type SimulatorOptions } from '../../src/sim/index.js';

/** Rollouts in a few hundred milliseconds instead of seconds. */
export const FAST_ROLLOUT = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

/** The subset of a tap Test the helpers use. */
export type TapLike = Pick<Test, 'teardown' | 'equal' | 'same' | 'ok'>;

// ---------------------------------------------------------------- randomness and waiting

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from the environment variable `name` (to replay a run), else `fallback`. */
export function seedFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

/** Polls `check` until it holds; false after `timeoutMs`. Errors count as "not yet". */
export { eventually };

// ---------------------------------------------------------------- a generated fleet

export interface FleetOptions {
  services: number;
  /** Image tag of every service (default 1.0.0); `tags` overrides it per service. */
  tag?: string;
  tags?: Record<string, string>;
  /** Service names to leave out. */
  without?: string[];
}

export interface Fleet {
  /** The config directory written. */
  root: string;
  cluster: string;
  /** The DNS namespace every service registers in, and the HTTP one holding `partner`. */
  namespaces: string[];
  /** Names of the ECS services (= task-definition families = Cloud Map services in the DNS namespace). */
  services: string[];
  /** Cloud Map services per namespace name. */
  cloudMapServices: Record<string, string[]>;
  /** The image each service runs. */
  images: Record<string, string>;
  /** How many documents the fleet has (every one is a resource in the status API). */
  documents: number;
}

export const serviceName = (i: number) => `svc-${String(i).padStart(2, '0')}`;
export const imageOf = (name: string, tag: string) => `public.ecr.aws/example/${name}:${tag}`;

/**
 * Writes a fleet into `root`: one cluster, a private DNS namespace, an HTTP namespace with
 * one Cloud Map service and one instance, and per service a task definition, a Cloud Map
 * service and an ECS service registering in it — one file per service, as a real
 * repository lays it out. Files of services no longer in the fleet are not removed.
 */
export function writeFleet(root: string, options: FleetOptions): Fleet {
  mkdirSync(join(root, 'services'), { recursive: true });
  writeFileSync(join(root, 'base.yaml'), `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata: {name: fleet}
spec:
  tags: {team: platform}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata: {name: fleet.local}
spec:
  type: DNS_PRIVATE
  vpc: vpc-0a1b2c3d4e5f67890
  description: Services of the fleet
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata: {name: fleet-external}
spec:
  type: HTTP
  description: Dependencies outside ECS
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata: {name: partner}
spec:
  namespace: fleet-external
  description: A third-party API
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapInstance
metadata: {name: partner-primary}
spec:
  service: partner
  attributes: {host: api.partner.example.com, port: "443"}
`);
  const services: string[] = [];
  const images: Record<string, string> = {};
  for (let i = 0; i < options.services; i++) {
    const name = serviceName(i);
    if (options.without?.includes(name)) continue;
    services.push(name);
    images[name] = imageOf(name, options.tags?.[name] ?? options.tag ?? '1.0.0');
    writeFileSync(join(root, 'services', `${name}.yaml`), serviceDocumentsOf(name, images[name]));
  }
  return {
    root,
    cluster: 'fleet',
    namespaces: ['fleet-external', 'fleet.local'],
    services,
    cloudMapServices: { 'fleet.local': [...services], 'fleet-external': ['partner'] },
    images,
    documents: 5 + 3 * services.length,
  };
}

/** The three documents of one service. */
export const serviceDocumentsOf = (name: string, image: string) => serviceDocuments({ name, image, cluster: 'fleet', namespace: 'fleet.local' });

// ---------------------------------------------------------------- what AWS holds

export interface Inventory {
  /** ACTIVE cluster names (ListClusters). */
  clusters: string[];
  /** Per cluster, the services ListServices shows, described: name → status, task definition, tags. */
  services: Record<string, { name: string; status: string; taskDefinition: string; tags: Record<string, string> }[]>;
  /** Every service record the simulator holds per `cluster/name`, whatever its status (strays included). */
  serviceRecords: Record<string, string[]>;
  /** Per family, every ACTIVE and INACTIVE revision ARN (ListTaskDefinitions). */
  revisions: Record<string, string[]>;
  /** Per family, the highest revision number ever registered (revisions are never reused). */
  registered: Record<string, number>;
  /** Namespace names, one entry per namespace (ListNamespaces). */
  namespaces: string[];
  /** Per namespace name, its Cloud Map service names, one entry per service (ListServices). */
  cloudMapServices: Record<string, string[]>;
  /** Instance ids registered in `partner` (ListInstances). */
  partnerInstances: string[];
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Reads what AWS holds through the SDK (and the simulator's dump for what the API no longer lists). */
export async function inventory(sim: RunningSimulator): Promise<Inventory> {
  const ecs = new ECSClient({ endpoint: sim.endpoint, region: sim.region, credentials, maxAttempts: 10 });
  const cloudMap = new ServiceDiscoveryClient({ endpoint: sim.endpoint, region: sim.region, credentials, maxAttempts: 10, disableHostPrefix: true });
  try {
    const clusterArns: string[] = [];
    let token: string | undefined;
    do {
      const page = await ecs.send(new ListClustersCommand({ nextToken: token }));
      clusterArns.push(...(page.clusterArns ?? []));
      token = page.nextToken;
    } while (token);
    const clusters = clusterArns.map((a) => a.slice(a.lastIndexOf('/') + 1)).sort();

    const services: Inventory['services'] = {};
    const families = new Set<string>();
    for (const cluster of clusters) {
      const arns: string[] = [];
      do {
        const page = await ecs.send(new ListServicesCommand({ cluster, nextToken: token, maxResults: 100 }));
        arns.push(...(page.serviceArns ?? []));
        token = page.nextToken;
      } while (token);
      services[cluster] = [];
      for (let i = 0; i < arns.length; i += 10) {
        const answer = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10), include: ['TAGS'] }));
        for (const s of answer.services ?? []) {
          const taskDefinition = s.taskDefinition ?? '';
          families.add(taskDefinition.replace(/^.*task-definition\//, '').replace(/:\d+$/, ''));
          services[cluster].push({
            name: s.serviceName ?? '',
            status: s.status ?? '',
            taskDefinition,
            tags: Object.fromEntries((s.tags ?? []).map((x) => [x.key ?? '', x.value ?? ''])),
          });
        }
      }
      services[cluster].sort((a, b) => a.name.localeCompare(b.name));
    }

    const state = sim.dump();
    for (const family of Object.keys(state.familyRevisions)) families.add(family);
    const revisions: Inventory['revisions'] = {};
    for (const family of [...families].sort()) {
      revisions[family] = [];
      for (const status of ['ACTIVE', 'INACTIVE'] as const) {
        do {
          const page = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status, nextToken: token }));
          revisions[family].push(...(page.taskDefinitionArns ?? []));
          token = page.nextToken;
        } while (token);
      }
    }
    const serviceRecords: Inventory['serviceRecords'] = {};
    for (const s of state.services) (serviceRecords[`${s.clusterName}/${s.name}`] ??= []).push(s.status);

    const namespaces: { id: string; name: string }[] = [];
    do {
      const page = await cloudMap.send(new ListNamespacesCommand({ NextToken: token }));
      for (const ns of page.Namespaces ?? []) namespaces.push({ id: ns.Id ?? '', name: ns.Name ?? '' });
      token = page.NextToken;
    } while (token);
    const cloudMapServices: Inventory['cloudMapServices'] = {};
    let partnerId: string | undefined;
    for (const ns of namespaces) {
      const names: string[] = [];
      do {
        const page = await cloudMap.send(new ListCloudMapServicesCommand({ NextToken: token, Filters: [{ Name: 'NAMESPACE_ID', Values: [ns.id], Condition: 'EQ' }] }));
        for (const s of page.Services ?? []) {
          names.push(s.Name ?? '');
          if (ns.name === 'fleet-external' && s.Name === 'partner') partnerId = s.Id;
        }
        token = page.NextToken;
      } while (token);
      cloudMapServices[ns.name] = [...(cloudMapServices[ns.name] ?? []), ...names].sort();
    }
    const partnerInstances: string[] = [];
    if (partnerId) {
      do {
        const page = await cloudMap.send(new ListInstancesCommand({ ServiceId: partnerId, NextToken: token }));
        partnerInstances.push(...(page.Instances ?? []).map((i) => i.Id ?? ''));
        token = page.NextToken;
      } while (token);
    }
    return {
      clusters,
      services,
      serviceRecords,
      revisions,
      registered: { ...state.familyRevisions },
      namespaces: namespaces.map((n) => n.name).sort(),
      cloudMapServices,
      partnerInstances: partnerInstances.sort(),
    };
  } finally {
    ecs.destroy();
    cloudMap.destroy();
  }
}

/**
 * Live equals desired, and nothing was created twice: one ACTIVE service per document and
 * no other record of its name, running revision `revision[name]` (default 1) of its own
 * family, which has exactly that many revisions; one namespace and one Cloud Map service
 * per document; one instance of `partner`. Returns a one-line summary of the counts.
 */
export function checkInventory(t: TapLike, inv: Inventory, fleet: Fleet, revision: Record<string, number> = {}): string {
  t.same(inv.clusters, [fleet.cluster], 'one cluster');
  const listed = inv.services[fleet.cluster] ?? [];
  t.same(listed.map((s) => s.name), [...fleet.services].sort(), 'one ACTIVE service per Service document, none other');
  const wrong: string[] = [];
  for (const s of listed) {
    const want = revision[s.name] ?? 1;
    if (s.status !== 'ACTIVE') wrong.push(`${s.name} is ${s.status}`);
    if (!s.taskDefinition.endsWith(`:task-definition/${s.name}:${want}`)) wrong.push(`${s.name} runs ${s.taskDefinition}, not ${s.name}:${want}`);
    if (s.tags['ecs-gitops.io/owner'] !== 'ecs-gitops') wrong.push(`${s.name} lacks the owner tag`);
  }
  t.same(wrong, [], 'every service ACTIVE, owned, on the desired revision');
  const strays = Object.entries(inv.serviceRecords).filter(([, records]) => records.length !== 1).map(([k, records]) => `${k}: ${records.join(',')}`);
  t.same(strays, [], 'no service name has a second record (no INACTIVE or DRAINING duplicate)');
  t.same(Object.keys(inv.serviceRecords).sort(), fleet.services.map((s) => `${fleet.cluster}/${s}`).sort(), 'no service record beyond the documents');

  const revisionCounts = Object.fromEntries(Object.entries(inv.revisions).map(([f, arns]) => [f, arns.length]));
  t.same(revisionCounts, Object.fromEntries([...fleet.services].sort().map((s) => [s, revision[s] ?? 1])), 'revisions per family: exactly the registrations the commits asked for');
  t.same(inv.registered, Object.fromEntries(fleet.services.map((s) => [s, revision[s] ?? 1])), 'no revision was ever registered beyond those (not even one deregistered since)');

  t.same(inv.namespaces, [...fleet.namespaces].sort(), 'one namespace per document');
  t.same(inv.cloudMapServices, Object.fromEntries(Object.entries(fleet.cloudMapServices).map(([ns, names]) => [ns, [...names].sort()])), 'one Cloud Map service per document');
  t.same(inv.partnerInstances, ['partner-primary'], 'one instance');
  const revisionsTotal = Object.values(inv.revisions).reduce((n, arns) => n + arns.length, 0);
  const cloudMapTotal = Object.values(inv.cloudMapServices).reduce((n, names) => n + names.length, 0);
  return `${listed.length} services, ${revisionsTotal} task-definition revisions in ${Object.keys(inv.revisions).length} families, ${inv.namespaces.length} namespaces, ${cloudMapTotal} Cloud Map services`;
}

// ---------------------------------------------------------------- the daemon in-process

export interface StatusAnswer {
  appliedRevision: string | null;
  attemptedRevision: string | null;
  lastSyncAt: string | null;
  resources: { total: number; sync: Record<string, number>; health: Record<string, number> };
  loadErrors: { code: string; file: string; line: number; column: number; message: string }[];
  ready: boolean;
}

export interface ResourceSummary {
  key: string;
  sync: string;
  health: { status: string; message?: string };
  action: string;
  message: string | null;
  lastError: { code: string; message: string; reaction: string } | null;
}

export interface DaemonClient {
  url: string;
  status(): Promise<StatusAnswer>;
  resources(): Promise<ResourceSummary[]>;
  /** GET /metrics as text. */
  metrics(): Promise<string>;
  /** Every resource the daemon knows is Synced and Healthy, and there are `documents` of them. */
  allSynced(documents: number): Promise<boolean>;
}

/** A client of a daemon's status API at `url`. */
export function daemonClient(url: string): DaemonClient {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res;
  };
  const client: DaemonClient = {
    url,
    status: async () => (await (await get('/api/v1/status')).json()) as StatusAnswer,
    resources: async () => ((await (await get('/api/v1/resources')).json()) as { items: ResourceSummary[] }).items,
    metrics: async () => (await get('/metrics')).text(),
    async allSynced(documents) {
      const status = await client.status();
      if (!status.ready) return false;
      const items = await client.resources();
      return items.length === documents && items.every((r) => r.sync === 'Synced' && r.health.status === 'Healthy');
    },
  };
  return client;
}

/** The sum of every series of the Prometheus metric `name` whose labels satisfy `match`. */
export function metricSum(text: string, name: string, match: (labels: string) => boolean = () => true): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name && match(m[2] ?? '')) sum += Number(m[3]);
  }
  return sum;
}

/** Operations that change something, as the metrics count them: everything but Describe/List/Get. */
export const writeCalls = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_calls_total', (labels) => !/operation="(Describe|List|Get)/.test(labels));

export interface InProcessOptions {
  repo: string;
  path?: string;
  endpoint: string;
  prune?: boolean;
  rateLimit?: boolean;
  resyncMs?: number;
  debounceMs?: number;
}

export interface InProcessDaemon extends DaemonClient {
  daemon: Daemon;
  /** The daemon's JSON log lines so far. */
  logs: { level: number; msg: string; [key: string]: unknown }[];
}

/** `startDaemon` as `ecs-gitops run` calls it, against `endpoint`, listening on 127.0.0.1; stopped in teardown. */
export async function inProcessDaemon(t: TapLike, options: InProcessOptions): Promise<InProcessDaemon> {
  const logs: InProcessDaemon['logs'] = [];
  let partial = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        try {
          if (line.trim()) logs.push(JSON.parse(line) as InProcessDaemon['logs'][number]);
        } catch {
          logs.push({ level: 0, msg: line });
        }
      }
      done();
    },
  });
  const daemon = await startDaemon({
    repo: options.repo,
    ...(options.path ? { path: options.path } : {}),
    gitIntervalMs: 60_000,
    debounceMs: options.debounceMs ?? 100,
    resyncMs: options.resyncMs ?? 1_000,
    selfHeal: true,
    prune: { enabled: options.prune ?? false, allowEmpty: false, maxDeletesPerSync: 20 },
    aws: { region: 'us-east-1', endpoint: options.endpoint, controllerId: 'ecs-gitops' },
    embeddedAws: false,
    rateLimit: options.rateLimit ?? false,
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'info',
    stopGraceMs: 2_000,
    logDestination: sink,
  });
  t.teardown(() => daemon.stop());
  return { ...daemonClient(daemon.url), daemon, logs };
}

// ---------------------------------------------------------------- a fault scenario

/** Every fault lifted. */
const NO_FAULTS: Partial<FaultSettings> = { errorRate: 0, errorOperations: [], latencyMs: 0, throttle: false, consistencyLagMs: 0 };

export interface FaultScenario {
  sim: RunningSimulator;
  fleet: Fleet;
  daemon: InProcessDaemon;
  /** Milliseconds from the daemon's start to every resource Synced and Healthy. */
  converged(timeoutMs: number): Promise<number>;
  /** Lifts every fault, then counts what AWS holds; returns the summary line. */
  check(): Promise<string>;
  metrics(): Promise<string>;
}

/**
 * A simulator with `sim`'s faults, a fleet of `services` written, and the daemon in-process
 * converging it from empty (resync every second); stopped in teardown.
 */
export async function faultScenario(t: Test, sim: Pick<SimulatorOptions, 'faults' | 'throttle' | 'rateScale' | 'clock'>, daemon: { rateLimit?: boolean }, services: number): Promise<FaultScenario> {
  const simulator = await startSimulator({ rolloutTimings: FAST_ROLLOUT, ...sim });
  t.teardown(() => simulator.close());
  const fleet = writeFleet(t.testdir(), { services });
  const started = Date.now();
  const d = await inProcessDaemon(t, { repo: fleet.root, endpoint: simulator.endpoint, resyncMs: 1_000, ...daemon });
  return {
    sim: simulator,
    fleet,
    daemon: d,
    async converged(timeoutMs) {
      const ok = await eventually(() => d.allSynced(fleet.documents), timeoutMs);
      if (!ok) {
        const stuck = (await d.resources()).filter((r) => r.sync !== 'Synced' || r.health.status !== 'Healthy');
        t.fail(`not converged after ${timeoutMs} ms: ${JSON.stringify(stuck.slice(0, 5))}`);
      }
      return Date.now() - started;
    },
    async check() {
      simulator.faults.set(NO_FAULTS);
      return checkInventory(t, await inventory(simulator), fleet);
    },
    metrics: () => d.metrics(),
  };
}

// ---------------------------------------------------------------- the daemon as a child process

export interface ChildDaemon {
  pid: number;
  /** Resolves with a client of its status API once it printed the URL (its first snapshot is then loaded). */
  ready(timeoutMs?: number): Promise<DaemonClient>;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Sends SIGKILL now, without waiting (safe to call from anywhere, any number of times). */
  killNow(): void;
  exited: Promise<void>;
  stderr(): string;
}

/**
 * `node dist/cli.js run --repo <repo> --endpoint <endpoint> --listen 127.0.0.1:0 --resync 1s
 * --log-level warn` in a child process (test/helpers/daemon.ts). Killed in teardown if still running.
 */
export function spawnDaemon(t: Pick<TapLike, 'teardown'>, repo: string, endpoint: string, extra: string[] = []): ChildDaemon {
  const child = spawnChild(t, { repo, endpoint, resync: '1s', logLevel: 'warn', args: extra });
  const killNow = () => child.kill('SIGKILL');
  return {
    pid: child.pid,
    killNow,
    kill: async () => {
      killNow();
      await child.exited;
    },
    exited: child.exited.then(() => undefined),
    stderr: child.stderr,
    async ready(timeoutMs = 20_000) {
      const url = await child.statusUrl(timeoutMs);
      if (!url) throw new Error(`the daemon did not print its status API URL:\n${child.stderr().slice(-2000)}`);
      return daemonClient(url);
    },
  };
}

// ---------------------------------------------------------------- an AWS endpoint that pulls the plug

export interface WriteHit {
  /** Which write (counting every write AWS applied since the front started, from 1). */
  ordinal: number;
  operation: string;
  when: 'before' | 'after';
}

export interface CrashFront {
  endpoint: string;
  /** Writes AWS has applied through this front. */
  writes(): number;
  /**
   * Calls `kill` at write number `at` (or the first write after it), or at the next write of
   * operation `at` (e.g. `ecs:CreateService`) that AWS applies successfully: `before` — as
   * the request arrives, and AWS never sees it; `after` — once AWS has applied it, before the
   * answer goes back (the caller never learns it succeeded). Resolves with the write it hit.
   */
  killAt(at: number | string, when: 'before' | 'after', kill: () => void): Promise<WriteHit>;
  /** Forgets an armed kill that was not reached. */
  disarm(): void;
  /** Resolves as soon as AWS has applied write number `ordinal` (its answer goes back as usual). */
  written(ordinal: number): Promise<void>;
  /** Resolves once no request is being answered (what a killed caller had sent has landed). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const isRead = (operation: string) => /^(Describe|List|Get|Discover)/.test(operation);

/**
 * An HTTP endpoint in front of the in-process simulator that answers exactly as it does
 * (through `invoke`), after `latencyMs`, and can kill the caller at a chosen write.
 */
export async function crashFront(sim: RunningSimulator, latencyMs = 0): Promise<CrashFront> {
  let applied = 0;
  let inFlight = 0;
  let armed: { at: number | string; when: 'before' | 'after'; kill: () => void; hit: (h: WriteHit) => void } | undefined;
  let waiters: { ordinal: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inFlight++;
      void (async () => {
        if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
        const header = req.headers['x-amz-target'];
        const target = Array.isArray(header) ? header[0] : header;
        // STS (the daemon learning its account) is no ECS or Cloud Map write: answered, not counted.
        if (isStsRequest(target, req.headers['content-type'])) {
          const sts = answerSts(Buffer.concat(chunks).toString('utf8'), sim.accountId);
          res.writeHead(sts.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(sts.body) });
          res.end(sts.body);
          return;
        }
        const name = (target ?? '').slice((target ?? '').lastIndexOf('.') + 1);
        const write = !isRead(name);
        const operation = `${(target ?? '').startsWith('Route53AutoNaming') ? 'servicediscovery' : 'ecs'}:${name}`;
        if (write && armed && armed.when === 'before' && (typeof armed.at === 'string' ? operation === armed.at : applied + 1 >= armed.at)) {
          const { kill, hit } = armed;
          armed = undefined;
          kill();
          hit({ ordinal: applied + 1, operation, when: 'before' });
          res.destroy();
          return;
        }
        const result = sim.invoke(target ?? '', Buffer.concat(chunks).toString('utf8'));
        if (write) {
          applied++;
          for (const w of waiters.filter((x) => x.ordinal <= applied)) w.resolve();
          waiters = waiters.filter((x) => x.ordinal > applied);
        }
        if (write && armed && armed.when === 'after' && (typeof armed.at === 'string' ? operation === armed.at && result.status === 200 : applied >= armed.at)) {
          const { kill, hit } = armed;
          armed = undefined;
          kill();
          hit({ ordinal: applied, operation, when: 'after' });
          res.destroy();
          return;
        }
        const text = JSON.stringify(result.body);
        res.writeHead(result.status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
        res.end(text);
      })().finally(() => inFlight--);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    writes: () => applied,
    killAt: (at, when, kill) => new Promise<WriteHit>((hit) => {
      armed = { at, when, kill, hit };
    }),
    disarm: () => {
      armed = undefined;
    },
    written: (ordinal) => new Promise<void>((resolve) => {
      if (applied >= ordinal) resolve();
      else waiters.push({ ordinal, resolve });
    }),
    idle: async () => {
      await eventually(() => inFlight === 0, 5_000, 5);
    },
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}
