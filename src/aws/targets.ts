/**
 * Targets: where an application's objects live — a region and, optionally, an IAM role to
 * assume there (another account). A `TargetPool` (one per daemon or command) opens each
 * target's clients once and keeps what AWS scopes by account and region shared across the
 * applications that target them: one `RateLimiter` (AWS's buckets are per account and
 * region; the limiter serves the applications in turn), one `LiveCache`, one set of
 * assumed-role credentials per role, refreshed by the SDK before they expire.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ROLE_ARN } from '../config.js';
import type { Clock } from '../core/clock.js';
import { CallRecorder, RateLimiter, signingCredentials, withCredentials, createAwsClients, destroyAwsClients, type AwsClients, type RateLimiterOptions } from './clients.js';
import { LiveCache } from './reader.js';

export interface Target {
  region: string;
  /** An IAM role to assume for every call (`arn:aws:iam::<account>:role/<name>`). */
  roleArn?: string;
  /** The external id the role's trust policy asks for (`sts:ExternalId`). */
  externalId?: string;
}

export interface TargetClients {
  clients: AwsClients;
  /** The 12-digit account the calls go to; undefined when it could not be learned. */
  account: string | undefined;
  region: string;
  /** Immutable and slow-changing live state of this account and region (shared by its applications). */
  cache: LiveCache;
}

export interface TargetPoolOptions {
  /** One URL for ECS, Cloud Map and STS (the simulator, moto). */
  endpoint?: string;
  /** Pace calls by one RateLimiter per account and region. */
  rateLimit?: boolean;
  /** The limiters' options (clock, scale, headroom). */
  limiter?: Omit<RateLimiterOptions, 'clock'> & { clock?: Clock };
  /** One recorder for every target's calls (what the metrics read); a new one when absent. */
  calls?: CallRecorder;
  /** Names the role sessions: CloudTrail shows `ecs-gitops.<controller id>` as the caller. */
  controllerId?: string;
  /** The credentials roles are assumed with and the account is looked up with; the SDK's default chain when absent. */
  credentials?: AwsCredentialIdentity;
  /** Lifetime of assumed-role credentials (AWS accepts 900 to the role's maximum). Default 3600. */
  sessionSeconds?: number;
  /** SDK attempts per operation. */
  maxAttempts?: number;
  /**
   * Learn the account of the default credentials (STS GetCallerIdentity) for the limiter
   * and the metrics; default true. A one-shot command with one target has no use for it.
   */
  lookupAccount?: boolean;
  /** Told when the account cannot be learned (the target still opens, its account unknown). */
  onWarning?: (message: string, err: unknown) => void;
}

/** The account of a role ARN, or undefined when `arn` is not one. */
export function accountOfRole(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[1];
}

/** The target settings name: the region, and the role to assume there. */
export function targetOf(settings: { region: string; roleArn?: string; externalId?: string }): Target {
  return { region: settings.region, ...(settings.roleArn !== undefined ? { roleArn: settings.roleArn } : {}), ...(settings.externalId !== undefined ? { externalId: settings.externalId } : {}) };
}

/** The role session name: the controller, in STS's alphabet and length. */
export function sessionName(controllerId: string): string {
  return `ecs-gitops.${controllerId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

const DEFAULT_SESSION_SECONDS = 3600;
const ACCOUNT_LOOKUP_MS = 5_000;

interface Shared {
  limiter: RateLimiter | undefined;
  cache: LiveCache;
}

export class TargetPool {
  readonly calls: CallRecorder;
  private readonly shared = new Map<string, Shared>();
  private readonly credentials = new Map<string, AwsCredentialIdentityProvider>();
  private readonly opened = new Map<string, Promise<TargetClients>>();
  private readonly all: AwsClients[] = [];
  private defaultAccount: Promise<string | undefined> | undefined;
  private closed = false;

  constructor(private readonly options: TargetPoolOptions = {}) {
    this.calls = options.calls ?? new CallRecorder();
  }

  /**
   * The clients of `application` for `target`: its own clients (so the limiter can tell
   * applications apart), sharing the limiter, cache and credentials of the account and
   * region. Opening the same target for the same application again returns the same clients.
   */
  open(target: Target, application: string): Promise<TargetClients> {
    if (this.closed) return Promise.reject(new Error('the target pool is closed'));
    const key = JSON.stringify([application, target.region, target.roleArn ?? null, target.externalId ?? null]);
    let opened = this.opened.get(key);
    if (!opened) {
      opened = this.build(target, application);
      this.opened.set(key, opened);
      // A failed open (no account, no credentials) may succeed later.
      opened.catch(() => this.opened.delete(key));
    }
    return opened;
  }

  /**
   * The account the default credentials belong to, learned once (STS GetCallerIdentity);
   * undefined when STS cannot be reached or answers with an error (reported to `onWarning`).
   */
  callerAccount(region: string): Promise<string | undefined> {
    if (this.options.lookupAccount === false) return Promise.resolve(undefined);
    this.defaultAccount ??= (async () => {
      const sts = new STSClient(this.stsConfig(region));
      try {
        // Bounded: a network without a route to STS must not hold the daemon's start.
        return (await sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(ACCOUNT_LOOKUP_MS) })).Account;
      } catch (err) {
        this.options.onWarning?.('cannot learn the account of the AWS credentials (STS GetCallerIdentity); metrics and rate limits show it as ""', err);
        return undefined;
      } finally {
        sts.destroy();
      }
    })();
    return this.defaultAccount;
  }

  /** Destroys every client; the pool opens nothing more. */
  close(): void {
    this.closed = true;
    for (const clients of this.all.splice(0)) destroyAwsClients(clients);
  }

  private async build(target: Target, application: string): Promise<TargetClients> {
    const account = target.roleArn !== undefined ? accountOfRole(target.roleArn) : await this.callerAccount(target.region);
    if (target.roleArn !== undefined && account === undefined) throw new Error(`not an IAM role ARN: ${JSON.stringify(target.roleArn)}`);
    if (this.closed) throw new Error('the target pool is closed');
    const where = `${account ?? ''}:${target.region}`;
    let shared = this.shared.get(where);
    if (!shared) {
      shared = { limiter: this.options.rateLimit ? new RateLimiter(this.options.limiter ?? {}) : undefined, cache: new LiveCache() };
      this.shared.set(where, shared);
    }
    const credentials = target.roleArn !== undefined ? this.assumed(target as Target & { roleArn: string }) : (this.options.credentials);
    const clients = createAwsClients(
      {
        region: target.region,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
      },
      { calls: this.calls, ...(shared.limiter ? { limiter: shared.limiter } : {}), ...(account !== undefined ? { account } : {}), application },
    );
    this.all.push(clients);
    return { clients, account, region: target.region, cache: shared.cache };
  }

  /**
   * Credentials of the role, one provider per role, region and external id shared by every
   * client that uses it: the SDK's provider calls AssumeRole, and the memo asks it again
   * once the credentials are within five minutes of expiring — before they expire.
   */
  private assumed(target: Target & { roleArn: string }): AwsCredentialIdentityProvider {
    const key = JSON.stringify([target.roleArn, target.region, target.externalId ?? null]);
    let provider = this.credentials.get(key);
    if (!provider) {
      const base = signingCredentials(this.options.endpoint, this.options.credentials);
      const assume = fromTemporaryCredentials({
        params: {
          RoleArn: target.roleArn,
          RoleSessionName: sessionName(this.options.controllerId ?? 'ecs-gitops'),
          DurationSeconds: this.options.sessionSeconds ?? DEFAULT_SESSION_SECONDS,
          ...(target.externalId !== undefined ? { ExternalId: target.externalId } : {}),
        },
        ...(base ? { masterCredentials: base } : {}),
        clientConfig: this.stsConfig(target.region),
      });
      provider = memoizeIdentityProvider(assume, isIdentityExpired, doesIdentityRequireRefresh) as AwsCredentialIdentityProvider;
      this.credentials.set(key, provider);
    }
    return provider;
  }

  /** STS in the target's region (its regional endpoint), or at the pool's endpoint. */
  private stsConfig(region: string) {
    const endpoint = this.options.endpoint;
    return { region, ...withCredentials(endpoint, this.options.credentials), ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}) };
  }
}
