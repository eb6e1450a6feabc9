/**
 * What the commands that talk to AWS share: loading the config (refusing an invalid
 * one), building the clients, and reading and planning.
 */
import { readLive, LiveCache } from '../aws/reader.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import type { DesiredState } from '../api/kinds.js';
import type { AwsSettings, PruneSettings } from '../config.js';
import { planSync, type Plan } from '../core/plan.js';
import type { LiveState } from '../core/live.js';
import { ConfigRootError, formatFinding, loadConfig } from '../load/index.js';

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  /** Colour output (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
}

/** The desired state, or the exit code after printing why there is none. */
export async function loadOrExplain(dir: string, io: CommandIO): Promise<DesiredState | number> {
  try {
    const result = await loadConfig(dir);
    if (result.ok) return result.state;
    for (const e of result.errors) io.err(formatFinding(e));
    io.err(`${dir}: invalid — ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}; refusing to act on it`);
    return 2;
  } catch (err) {
    if (err instanceof ConfigRootError) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

export function clientsFor(aws: AwsSettings): AwsClients {
  return createAwsClients({ region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}) });
}

export async function readAndPlan(
  desired: DesiredState,
  clients: AwsClients,
  aws: AwsSettings,
  prune: PruneSettings,
  cache?: LiveCache,
): Promise<{ plan: Plan; live: LiveState }> {
  const live = await readLive(clients, desired, { controllerId: aws.controllerId, ...(cache ? { cache } : {}) });
  return { live, plan: planSync(desired, live, { controllerId: aws.controllerId, prune }) };
}

/** An AWS failure the user can act on, without a stack trace. */
export function describeAwsFailure(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(e.message))) return `cannot reach the AWS endpoint (${e.message})`;
  if (e.name === 'CredentialsProviderError') return `no AWS credentials found: ${e.message}`;
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${e.name ?? 'Error'}${status}: ${e.message ?? String(err)}`;
}
