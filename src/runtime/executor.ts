/**
 * Runs a plan: its steps as a dependency graph with bounded concurrency, each step's calls
 * in order. The plan is plain data; this is where it meets AWS. Between calls it fills in
 * the ARNs and ids earlier steps produced, waits for Cloud Map operations to finish, waits
 * for a replaced ECS service to drain, and retries — for a bounded time, on the injected
 * clock — the errors AWS gives while an earlier change of this plan settles; a delete
 * refused for any other reason fails at once, as a wait for the daemon to requeue. Throttling and 5xx are left
 * to the SDK's own retries — except for a write whose answer was lost and that has no
 * idempotency token (a registration): that one is looked for before it is sent again.
 * Whatever is still wrong in the end is reported with the reaction `classifyAwsError`
 * chose, for the daemon's retry policy.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { AnswerLost, categoryOf, type AwsClients } from '../aws/clients.js';
import { REVISIONS_SEARCHED } from '../aws/kinds/task-definition.js';
import { serviceStatus } from '../aws/kinds/service.js';
import { send } from '../aws/operations.js';
import type { Clock } from '../core/clock.js';
import { NOT_FOUND, classifyAwsError, type ErrorClass, type Reaction } from '../core/errors.js';
import { kindNotFound } from '../core/kinds/index.js';
import { revisionOf } from '../core/live.js';
import { SPEC_HASH_TAG } from '../core/tags.js';
import type { ApiCall, Plan, Ref, Step } from '../core/plan.js';

export interface StepOutputs {
  arn?: string;
  id?: string;
}

export interface StepResult {
  id: string;
  key: string;
  status: 'succeeded' | 'failed' | 'skipped';
  error?: { name: string; message: string; reaction: Reaction };
  /** The plan's calls as sent, retries included (polls of operations and drains are not listed). */
  calls: { operation: string; ok: boolean }[];
  outputs: StepOutputs;
}

export type StepEvent =
  | { type: 'started'; step: Step }
  | { type: 'call'; step: Step; operation: string; ok: boolean; error?: ErrorClass }
  | { type: 'retrying'; step: Step; operation: string; error: ErrorClass; delayMs: number }
  | { type: 'waiting'; step: Step; for: 'operation' | 'inactive'; detail: string }
  | { type: 'succeeded'; step: Step; result: StepResult }
  | { type: 'failed'; step: Step; result: StepResult }
  | { type: 'skipped'; step: Step; result: StepResult };

export interface ExecuteOptions {
  clients: AwsClients;
  clock: Clock;
  /** Steps running at once. Default 8. */
  concurrency?: number;
  /** How long to wait for one Cloud Map operation to finish. Default 120 s. */
  operationTimeoutMs?: number;
  /** How long to keep retrying a call that fails while an earlier change settles. Default 60 s. */
  settleTimeoutMs?: number;
  /** How long to wait for a replaced ECS service to become INACTIVE. Default 10 min. */
  inactiveTimeoutMs?: number;
  onStep?: (event: StepEvent) => void;
  /** Stops starting steps, aborts calls and waits in flight. */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  /** One per step, in plan order. */
  results: StepResult[];
  /** What each resource key's steps produced (the values `Ref`s resolve to). */
  outputs: Map<string, StepOutputs>;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_OPERATION_TIMEOUT_MS = 120_000;
export const DEFAULT_SETTLE_TIMEOUT_MS = 60_000;
export const DEFAULT_INACTIVE_TIMEOUT_MS = 600_000;

/** Backoff of in-step retries (eventual consistency, "not yet"): from about a second. */
const SETTLE_BACKOFF = { first: 1_000, factor: 2, max: 16_000 };
/** Attempts of a call whose answer is lost, each after looking for what the last one made (the SDK's standard mode makes 3). */
const LOST_ANSWER_ATTEMPTS = 3;
/** Polls of a Cloud Map operation. */
const OPERATION_BACKOFF = { first: 100, factor: 2, max: 2_000 };
/** Polls of a draining service. */
const INACTIVE_BACKOFF = { first: 1_000, factor: 1.5, max: 10_000 };

/** An error the executor itself raises, named so `classifyAwsError` knows it. */
class ExecutorError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

// ---------------------------------------------------------------- plain-data helpers

function isRef(value: unknown): value is Ref {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.$ref === 'string' && (v.attr === 'arn' || v.attr === 'id');
}

/** A copy of `value` with every `Ref` replaced by what an earlier step produced. */
export function resolveRefs(value: unknown, outputs: ReadonlyMap<string, StepOutputs>): unknown {
  if (isRef(value)) {
    const found = outputs.get(value.$ref)?.[value.attr];
    if (found === undefined) {
      throw new ExecutorError('UnresolvedReference', `the input needs the ${value.attr} of ${value.$ref}, which no earlier step produced`);
    }
    return value.format === 'revision' ? revisionOf(found) : found;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, outputs));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, outputs)]));
  }
  return value;
}

/** `a.b.c` into an answer; undefined when any part is missing. */
function atPath(answer: unknown, path: string): unknown {
  let here = answer;
  for (const part of path.split('.')) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

const kindOf = (key: string) => key.slice(0, key.indexOf('/'));

/** "Not yet" errors that clear on their own after a delete this plan made (see `settles`). */
const SETTLING = new Set(['ClusterContainsServicesException', 'ClusterContainsTasksException', 'ResourceInUse', 'ResourceInUseException', 'UpdateInProgressException']);

// ---------------------------------------------------------------- the executor

export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<ExecuteResult> {
  return new Execution(plan, options).run();
}

class Execution {
  private readonly outputs = new Map<string, StepOutputs>();
  private readonly results = new Map<string, StepResult>();
  private readonly index = new Map<string, number>();
  /** Resource keys created or replaced by a step that has succeeded, per kind. */
  private readonly created = new Set<string>();
  /** Resource keys deleted or replaced by a step that has succeeded. */
  private readonly deleted = new Set<string>();
  private readonly concurrency: number;

  /** Longest chain of dependencies below a step: 0 for a step that needs nothing. */
  private readonly depth = new Map<string, number>();

  constructor(
    private readonly plan: Plan,
    private readonly options: ExecuteOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    plan.steps.forEach((s, i) => this.index.set(s.id, i));
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    const depthOf = (step: Step, seen: Set<string>): number => {
      const known = this.depth.get(step.id);
      if (known !== undefined) return known;
      if (seen.has(step.id)) return 0;
      seen.add(step.id);
      const d = Math.max(-1, ...step.dependsOn.map((id) => (byId.has(id) ? depthOf(byId.get(id)!, seen) : -1))) + 1;
      this.depth.set(step.id, d);
      return d;
    };
    for (const step of plan.steps) depthOf(step, new Set());
  }

  /**
   * Which ready step runs first: the deepest, so a chain (register a task definition,
   * then update its service) finishes before more chains start — under AWS's rate limits
   * the services then roll out while registrations continue, instead of all at the end.
   */
  private readonly byPriority = (a: Step, b: Step) =>
    this.depth.get(b.id)! - this.depth.get(a.id)! || this.index.get(a.id)! - this.index.get(b.id)!;

  async run(): Promise<ExecuteResult> {
    const { steps } = this.plan;
    const waitingOn = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    const ready: Step[] = [];
    for (const step of steps) {
      const unknown = step.dependsOn.find((d) => !this.index.has(d));
      if (unknown !== undefined) {
        this.finish(step, this.skipped(step, `not run: it depends on "${unknown}", which is not in the plan`, 'stall'));
        continue;
      }
      waitingOn.set(step.id, step.dependsOn.length);
      for (const d of step.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), step.id]);
      if (step.dependsOn.length === 0) ready.push(step);
    }
    // A step skipped up front (unknown dependency) takes its dependents with it.
    for (const step of steps) {
      const r = this.results.get(step.id);
      if (r) this.skipDependents(step, r, dependents);
    }

    let running = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (running < this.concurrency && ready.length > 0 && !this.options.signal?.aborted) {
          const step = ready.splice(this.nextIndex(ready), 1)[0];
          if (this.results.has(step.id)) continue;
          running++;
          void this.runStep(step).then((result) => {
            running--;
            this.finish(step, result);
            if (result.status === 'succeeded') {
              for (const id of dependents.get(step.id) ?? []) {
                const left = waitingOn.get(id)! - 1;
                waitingOn.set(id, left);
                if (left === 0 && !this.results.has(id)) ready.push(steps[this.index.get(id)!]);
              }
              ready.sort(this.byPriority);
            } else {
              this.skipDependents(step, result, dependents);
            }
            pump();
          });
        }
        if (running === 0) resolve();
      };
      pump();
    });

    for (const step of steps) {
      if (this.results.has(step.id)) continue;
      const reason = this.options.signal?.aborted ? 'not run: execution was aborted' : 'not run: its dependencies form a cycle';
      this.finish(step, this.skipped(step, reason, this.options.signal?.aborted ? 'retry' : 'stall'));
    }
    return { results: steps.map((s) => this.results.get(s.id)!), outputs: this.outputs };
  }

  /**
   * The next ready step to run: the first (by priority) whose first call can go out now
   * under the client's rate limits, else the first. A worker waiting for a token would
   * otherwise sit idle while another category's bucket fills up and wastes its refill.
   */
  private nextIndex(ready: Step[]): number {
    const limiter = this.options.clients.limiter;
    if (!limiter) return 0;
    for (let i = 0; i < ready.length; i++) {
      const call = ready[i].calls[0];
      const category = call ? categoryOf(call.service, call.operation) : undefined;
      if (!category || limiter.delayFor(category) === 0) return i;
    }
    return 0;
  }

  private emit(event: StepEvent): void {
    try {
      this.options.onStep?.(event);
    } catch {
      // A progress printer must not break a sync.
    }
  }

  private finish(step: Step, result: StepResult): void {
    if (this.results.has(step.id)) return;
    this.results.set(step.id, result);
    this.emit({ type: result.status, step, result });
  }

  private skipped(step: Step, message: string, reaction: Reaction): StepResult {
    return { id: step.id, key: step.key, status: 'skipped', error: { name: 'DependencyFailed', message, reaction }, calls: [], outputs: {} };
  }

  /** Everything that depends on `failed`, transitively, is skipped naming it; the rest still runs. */
  private skipDependents(failed: Step, result: StepResult, dependents: Map<string, string[]>): void {
    const reaction = result.error?.reaction ?? 'retry';
    const message = result.status === 'failed' ? `not run: "${failed.id}" failed` : (result.error?.message ?? `not run: "${failed.id}" did not run`);
    const queue = [...(dependents.get(failed.id) ?? [])];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (this.results.has(id)) continue;
      const step = this.plan.steps[this.index.get(id)!];
      this.finish(step, this.skipped(step, message, reaction));
      queue.push(...(dependents.get(id) ?? []));
    }
  }

  // ------------------------------------------------------------ one step

  private async runStep(step: Step): Promise<StepResult> {
    this.emit({ type: 'started', step });
    const result: StepResult = { id: step.id, key: step.key, status: 'succeeded', calls: [], outputs: {} };
    // A replacement: the calls up to and including its DeleteService, then the wait, then the rest.
    const deleteAt = step.calls.map((c) => c.service === 'ecs' && c.operation === 'DeleteService').lastIndexOf(true);
    const waitBefore = step.waitForInactive ? deleteAt + 1 : -1;
    let operation = step.calls[0]?.operation ?? '(no calls)';
    try {
      for (let i = 0; i < step.calls.length; i++) {
        const call = step.calls[i];
        operation = call.operation;
        if (i === waitBefore) await this.waitForInactive(step);
        const visible = new Map(this.outputs);
        visible.set(step.key, { ...this.outputs.get(step.key), ...result.outputs });
        const input = resolveRefs(call.input, visible) as Record<string, unknown>;
        const answer = await this.callSettling(step, i, call, input, result);
        if (call.service === 'servicediscovery' && typeof answer.OperationId === 'string') {
          answer.operation = await this.waitForOperation(step, answer.OperationId);
        }
        for (const [attr, path] of Object.entries(call.outputs ?? {}) as [keyof StepOutputs, string][]) {
          const value = atPath(answer, path);
          if (typeof value === 'string') result.outputs[attr] = value;
        }
      }
      if (waitBefore === step.calls.length) await this.waitForInactive(step);
    } catch (err) {
      const cls = classifyAwsError(err);
      result.status = 'failed';
      result.error = { name: cls.code, message: `${operation}: ${cls.message}`, reaction: cls.reaction };
    }
    if (Object.keys(result.outputs).length > 0) {
      this.outputs.set(step.key, { ...this.outputs.get(step.key), ...result.outputs });
    }
    if (result.status === 'succeeded' && (step.action === 'create' || step.action === 'replace')) this.created.add(step.key);
    if (result.status === 'succeeded' && (step.action === 'delete' || step.action === 'replace')) this.deleted.add(step.key);
    return result;
  }

  /**
   * One call, retried with backoff while the error is one that clears as an earlier change
   * settles: a delete blocked by children still going away, a name still draining, or an
   * object this plan has just created that AWS does not show yet.
   */
  private async callSettling(step: Step, index: number, call: ApiCall, input: Record<string, unknown>, result: StepResult): Promise<Record<string, unknown>> {
    const { clock, signal } = this.options;
    const deadline = clock.now() + (this.options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS);
    let delay = SETTLE_BACKOFF.first;
    let lost = 0;
    for (;;) {
      try {
        const answer = await send(this.options.clients, call.service, call.operation, input, signal ? { abortSignal: signal } : {});
        result.calls.push({ operation: call.operation, ok: true });
        this.emit({ type: 'call', step, operation: call.operation, ok: true });
        return answer;
      } catch (thrown) {
        const err = thrown instanceof AnswerLost ? thrown.original : thrown;
        const cls = classifyAwsError(err);
        result.calls.push({ operation: call.operation, ok: false });
        this.emit({ type: 'call', step, operation: call.operation, ok: false, error: cls });
        let again = !signal?.aborted && this.settles(step, index, cls) && clock.now() + delay <= deadline;
        if (thrown instanceof AnswerLost && !signal?.aborted) {
          // The answer was lost, not the call: what it made, if it made anything, is the answer.
          const made = await this.madeByLostCall(call, input);
          if (made) return made;
          // Nothing shows that it took effect: send it again, as often as the SDK would have.
          again = ++lost < LOST_ANSWER_ATTEMPTS;
        }
        if (!again) throw err;
        this.emit({ type: 'retrying', step, operation: call.operation, error: cls, delayMs: delay });
        await clock.sleep(delay, signal);
        delay = Math.min(delay * SETTLE_BACKOFF.factor, SETTLE_BACKOFF.max);
      }
    }
  }

  /**
   * What a call of NOT_IDEMPOTENT whose answer was lost made, as its answer would have
   * said; undefined when nothing shows it took effect (then it is sent again). A
   * registration is found by the content hash its tags carry, among the family's newest
   * ACTIVE revisions, as the reader looks for it.
   */
  private async madeByLostCall(call: ApiCall, input: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    if (call.service !== 'ecs' || call.operation !== 'RegisterTaskDefinition') return undefined;
    const hash = (input.tags as Tag[] | undefined)?.find((tag) => tag.key === SPEC_HASH_TAG)?.value;
    if (typeof input.family !== 'string' || !hash) return undefined;
    const options = this.options.signal ? { abortSignal: this.options.signal } : {};
    const page = await send(this.options.clients, 'ecs', 'ListTaskDefinitions', { familyPrefix: input.family, sort: 'DESC', status: 'ACTIVE', maxResults: REVISIONS_SEARCHED }, options);
    for (const arn of (page.taskDefinitionArns as string[] | undefined) ?? []) {
      const answer = await send(this.options.clients, 'ecs', 'DescribeTaskDefinition', { taskDefinition: arn, include: ['TAGS'] }, options);
      const td = answer.taskDefinition as { family?: string } | undefined;
      if (td?.family === input.family && (answer.tags as Tag[] | undefined)?.some((tag) => tag.key === SPEC_HASH_TAG && tag.value === hash)) return answer;
    }
    return undefined;
  }

  private settles(step: Step, index: number, cls: ErrorClass): boolean {
    // Busy because of a delete this plan has just made (a cluster whose service is
    // draining): that clears soon. Busy for any other reason (a kept service still
    // registers in the Cloud Map service), the step fails at once as a `wait`: the
    // daemon looks at that resource again later, and the pass is not held up.
    if (SETTLING.has(cls.code)) return this.dependencies(step).some((key) => this.deleted.has(key));
    if (cls.reaction === 'wait' && cls.code === 'InvalidParameterException') return true; // a same-name service draining
    if (!NOT_FOUND.has(cls.code)) return false;
    // Not found right after this plan created it: an earlier call of this step, or a step this one depends on.
    if (step.calls.slice(0, index).some((c) => /^(Create|Register)/.test(c.operation))) return true;
    const kind = kindNotFound(cls.code);
    return this.dependencies(step).some((key) => this.created.has(key) && (kind === undefined || kindOf(key) === kind));
  }

  /** Resource keys of the steps `step` depends on, transitively. */
  private dependencies(step: Step): string[] {
    const keys: string[] = [];
    const seen = new Set<string>();
    const queue = [...step.dependsOn];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const dep = this.plan.steps[this.index.get(id)!];
      if (!dep) continue;
      keys.push(dep.key);
      queue.push(...dep.dependsOn);
    }
    return keys;
  }

  /**
   * Asks `probe` with backoff until it says done, for at most `timeoutMs`; a probe that
   * throws ends the wait with its error.
   */
  private async poll<T>(
    step: Step,
    waitingFor: { for: 'operation' | 'inactive'; detail: string },
    backoff: { first: number; factor: number; max: number },
    timeoutMs: number,
    probe: () => Promise<{ done: true; value: T } | { done: false; status: string }>,
    stillPending: (status: string) => Error,
  ): Promise<T> {
    const { clock, signal } = this.options;
    const deadline = clock.now() + timeoutMs;
    let delay = backoff.first;
    this.emit({ type: 'waiting', step, ...waitingFor });
    for (;;) {
      const answer = await probe();
      if (answer.done) return answer.value;
      if (clock.now() + delay > deadline) throw stillPending(answer.status);
      await clock.sleep(delay, signal);
      delay = Math.min(delay * backoff.factor, backoff.max);
    }
  }

  /** Polls GetOperation until SUCCESS; FAIL and timing out are errors. Returns the operation. */
  private waitForOperation(step: Step, operationId: string): Promise<Record<string, unknown>> {
    const { signal } = this.options;
    const timeout = this.options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    const probe = async () => {
      let operation: Record<string, unknown> | undefined;
      try {
        const answer = await send(this.options.clients, 'servicediscovery', 'GetOperation', { OperationId: operationId }, signal ? { abortSignal: signal } : {});
        operation = answer.Operation as Record<string, unknown> | undefined;
      } catch (err) {
        // Cloud Map may not show an operation it has just accepted.
        if (classifyAwsError(err).code !== 'OperationNotFound') throw err;
      }
      if (operation?.Status === 'SUCCESS') return { done: true as const, value: operation };
      if (operation?.Status === 'FAIL') {
        const code = typeof operation.ErrorCode === 'string' ? `${operation.ErrorCode}: ` : '';
        throw new ExecutorError('OperationFailed', `Cloud Map operation ${operationId} failed: ${code}${String(operation.ErrorMessage ?? 'no message')}`);
      }
      return { done: false as const, status: String(operation?.Status ?? 'not visible') };
    };
    return this.poll(step, { for: 'operation', detail: operationId }, OPERATION_BACKOFF, timeout, probe, (status) =>
      new ExecutorError('OperationPending', `Cloud Map operation ${operationId} is still ${status} after ${timeout / 1000} s`));
  }

  /** Before a replacement's create: the old service must be INACTIVE or gone, or ECS refuses the name. */
  private async waitForInactive(step: Step): Promise<void> {
    const target = step.waitForInactive;
    if (!target) return;
    const timeout = this.options.inactiveTimeoutMs ?? DEFAULT_INACTIVE_TIMEOUT_MS;
    const probe = async () => {
      let status: string | undefined;
      try {
        status = await serviceStatus(this.options.clients.ecs, target.cluster, target.service, this.options.signal);
      } catch (err) {
        if (classifyAwsError(err).code === 'ClusterNotFoundException') return { done: true as const, value: undefined };
        throw err;
      }
      return status === undefined || status === 'INACTIVE' ? { done: true as const, value: undefined } : { done: false as const, status };
    };
    await this.poll(step, { for: 'inactive', detail: `${target.cluster}/${target.service}` }, INACTIVE_BACKOFF, timeout, probe, (status) =>
      new ExecutorError('ServiceStillDraining', `service ${target.cluster}/${target.service} is still ${status} after ${timeout / 1000} s`));
  }
}
