/**
 * What the commands that talk to AWS share: loading the config (refusing an invalid
 * one), building the clients, and reading and planning.
 */
import { readLive, LiveCache } from '../aws/reader.js';
import type { AwsClients } from '../aws/clients.js';
import { TargetPool, targetOf } from '../aws/targets.js';
import type { DesiredState } from '../api/kinds.js';
import { resolveApplication } from '../application.js';
import { awsSettings, type ApplicationSettings, type AwsSettings, type OptionValues, type PruneSettings } from '../config.js';
import { planSync, type Plan } from '../core/plan.js';
import type { LiveState } from '../core/live.js';
import { ConfigRootError, loadConfig } from '../load/index.js';
import { fail, failInvalid, type CommandIO, type OutputFormat } from './output.js';

export type { CommandIO } from './output.js';

/** The desired state, or the exit code after printing why there is none (in `format`). */
export async function loadOrExplain(dir: string, io: CommandIO, format: OutputFormat = 'text'): Promise<DesiredState | number> {
  try {
    const result = await loadConfig(dir);
    if (result.ok) return result.state;
    return failInvalid(io, format, dir, result.errors);
  } catch (err) {
    if (err instanceof ConfigRootError) return fail(io, format, err.message);
    throw err;
  }
}

/** The settings with the config directory's application (see src/application.ts); a weak default is warned about on stderr in text output. */
export async function withApplication(aws: AwsSettings, dir: string, io: CommandIO, format: OutputFormat): Promise<ApplicationSettings> {
  const { application, warning } = await resolveApplication(dir, aws.application);
  if (warning && format === 'text') io.err(`warning: ${warning}`);
  return Object.freeze({ ...aws, application });
}


/**
 * The command's clients for its one target; `close()` destroys them. Paced by AWS's token
 * buckets, as the daemon is: a CI `diff` shares the account's buckets with the controller.
 */
export async function clientsFor(aws: AwsSettings): Promise<{ clients: AwsClients; account: string | undefined; close(): void }> {
  const pool = new TargetPool({ ...(aws.endpoint ? { endpoint: aws.endpoint } : {}), controllerId: aws.controllerId, lookupAccount: false, rateLimit: true });
  try {
    const { clients, account } = await pool.open(targetOf(aws), aws.application ?? '');
    return { clients, account, close: () => pool.close() };
  } catch (err) {
    pool.close();
    throw err;
  }
}

export async function readAndPlan(
  desired: DesiredState,
  clients: AwsClients,
  aws: ApplicationSettings,
  prune: PruneSettings,
  cache: LiveCache = new LiveCache(),
): Promise<{ plan: Plan; live: LiveState; ownershipWarning?: string }> {
  const live = await readLive(clients, desired, { controllerId: aws.controllerId, cache });
  const ownership = cache.ownership;
  const plan = planSync(desired, live, { controllerId: aws.controllerId, application: aws.application, prune });
  return { live, plan, ...(ownership?.mode === 'per-object' ? { ownershipWarning: `Cloud Map ownership was read one object at a time (${ownership.reason}); grant tag:GetResources to read it in bulk` } : {}) };
}

/** What a command that plans against AWS works with once the config is loaded, the clients open and the plan made. */
export interface PlannedRun {
  desired: DesiredState;
  aws: ApplicationSettings;
  clients: AwsClients;
  plan: Plan;
  /** The run's cache of live state: later reads of the run (sync --wait) reuse it. */
  cache: LiveCache;
}

/**
 * Loads `dir`, opens the clients of its target, reads and plans (warning on stderr in
 * text output when Cloud Map ownership was read one object at a time), then runs `then`.
 * The clients are closed after it; every failure is printed in `output`.
 */
export async function withPlan(
  dir: string,
  values: OptionValues,
  run: { io: CommandIO; output: OutputFormat; prune: PruneSettings },
  then: (planned: PlannedRun) => Promise<number>,
): Promise<number> {
  const { io, output, prune } = run;
  const desired = await loadOrExplain(dir, io, output);
  if (typeof desired === 'number') return desired;
  const aws = await withApplication(awsSettings(values), dir, io, output);
  let target;
  try {
    target = await clientsFor(aws);
  } catch (err) {
    return fail(io, output, describeAwsFailure(err));
  }
  try {
    const cache = new LiveCache();
    const { plan, ownershipWarning } = await readAndPlan(desired, target.clients, aws, prune, cache);
    if (ownershipWarning && output === 'text') io.err(`warning: ${ownershipWarning}`);
    return await then({ desired, aws, clients: target.clients, plan, cache });
  } catch (err) {
    return fail(io, output, describeAwsFailure(err));
  } finally {
    target.close();
  }
}

/** An AWS failure the user can act on, without a stack trace. */
export function describeAwsFailure(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(e.message))) return `cannot reach the AWS endpoint (${e.message})`;
  if (e.name === 'CredentialsProviderError') return `no AWS credentials found: ${e.message}`;
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${e.name ?? 'Error'}${status}: ${e.message ?? String(err)}`;
}
