/**
 * The controller configuration file (`ecs-gitops run --config controller.yaml`): the
 * applications one daemon reconciles, each a config source reconciled into one target,
 * with its own prune, self-heal and resync settings. Read like a config document: the
 * YAML is parsed by the loader's safe parser, validated against its own JSON Schema
 * (crds/controller-config.schema.json), and every mistake is a finding naming the file,
 * the line and the field. What the file leaves out comes from the daemon's flags.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { PruneSettings } from './config.js';
import { UsageError, parseDuration } from './config.js';
import { fieldPath, formatFinding, type Finding } from './load/findings.js';
import { parseYamlFile } from './load/parse.js';
import { explain } from './load/schema.js';
import { isTagValue } from './core/tags.js';
import { NOTIFICATION_EVENTS, type NotificationEvent } from './notify/events.js';
import type { NotificationSettings } from './notify/index.js';

export const CONTROLLER_CONFIG_SCHEMA = fileURLToPath(new URL('../crds/controller-config.schema.json', import.meta.url));
export const CONTROLLER_CONFIG_KIND = 'ControllerConfig';

/** Where an application's documents come from: a checkout, or a repository the daemon polls itself. */
export interface ApplicationSource {
  /** The checkout's top directory; with `gitUrl`, where the clone is kept. */
  repo: string;
  /** The config directory inside the checkout (an overlay when it holds a kustomization). */
  path?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitIntervalMs: number;
}

/** Where an application's objects go: a region and, optionally, a role to assume (src/aws/targets.ts's Target). */
export interface ApplicationTarget {
  region: string;
  roleArn?: string;
  externalId?: string;
  /** Where this application's calls go when not where the daemon's do (`--endpoint`). */
  endpoint?: string;
}

/** One application of the daemon. */
export interface ApplicationConfig {
  /** Unique within the daemon: the status API's `/api/v1/applications/:name` and the metrics' `application` label. */
  name: string;
  /** The value of the tag ecs-gitops.io/application; derived from the source when absent (src/application.ts). */
  application?: string;
  source: ApplicationSource;
  target: ApplicationTarget;
  prune: PruneSettings;
  selfHeal: boolean;
  resyncMs: number;
  /** Its own notification sinks, instead of the daemon's (`--notify-*`). */
  notifications?: NotificationSettings;
}

/** What an application leaves out: the daemon's flags. */
export interface ApplicationDefaults {
  region: string;
  gitIntervalMs: number;
  resyncMs: number;
  prune: PruneSettings;
  selfHeal: boolean;
}

/** The file is not a valid controller configuration: every finding, with file, line and field. */
export class ControllerConfigError extends Error {
  readonly code = 'CONTROLLER_CONFIG_INVALID';

  constructor(readonly findings: Finding[]) {
    super(`invalid controller configuration:\n${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}`);
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(value: unknown) {
  if (!validator) {
    const schema = JSON.parse(readFileSync(CONTROLLER_CONFIG_SCHEMA, 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    validator = new Ajv({ allErrors: true, verbose: true, strict: true, unicodeRegExp: true }).compile(schema);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** Reads and validates the file at `file`; throws ControllerConfigError, or the read error. */
export function readControllerConfig(file: string, defaults: ApplicationDefaults, env: NodeJS.ProcessEnv = process.env): ApplicationConfig[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`--config: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseControllerConfig(file, bytes, defaults, env);
}

interface RawApplication {
  name: string;
  application?: string;
  source: { repo: string; path?: string; gitUrl?: string; branch?: string; interval?: string };
  target?: { region?: string; roleArn?: string; externalId?: string; endpoint?: string };
  prune?: { enabled?: boolean; allowEmpty?: boolean; maxDeletes?: number };
  selfHeal?: boolean;
  resync?: string;
  notifications?: { webhook?: string; webhookSecretEnv?: string; slack?: string; slackEnv?: string; events?: NotificationEvent[] };
}

/** The applications of one controller configuration file's bytes; relative paths are taken from the file's directory. */
export function parseControllerConfig(file: string, bytes: Uint8Array, defaults: ApplicationDefaults, env: NodeJS.ProcessEnv = process.env): ApplicationConfig[] {
  const { documents, findings } = parseYamlFile(file, bytes);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new ControllerConfigError(errors);
  if (documents.length !== 1) {
    throw new ControllerConfigError([{ code: 'NOT_A_MAPPING', severity: 'error', file, line: 1, column: 1, message: `the file must hold one document (kind: ${CONTROLLER_CONFIG_KIND}); found ${documents.length}` }]);
  }
  const doc = documents[0];
  const at = (code: Finding['code'], path: (string | number)[], message: string, key?: string): Finding => {
    const field = fieldPath(key === undefined ? path : [...path, key]);
    return { code, severity: 'error', file, ...doc.position(path, key), ...(field ? { field } : {}), message };
  };
  const schemaErrors = validate(doc.value);
  if (schemaErrors.length > 0) throw new ControllerConfigError(explain(schemaErrors).map((e) => at(e.code, e.path, e.message, e.key)));

  const raw = (doc.value as { applications: RawApplication[] }).applications;
  const problems = [...checkApplications(raw, at), ...checkNotifications(raw, env, at)];
  if (problems.length > 0) throw new ControllerConfigError(problems);
  const base = dirname(resolve(file));
  return raw.map((a) => applicationConfig(a, base, defaults, env));
}

/** What the schema cannot say: unique names, tag values AWS accepts, git-only fields without a git URL. */
function checkApplications(raw: RawApplication[], at: (code: Finding['code'], path: (string | number)[], message: string) => Finding): Finding[] {
  const problems: Finding[] = [];
  const seen = new Map<string, number>();
  raw.forEach((a, i) => {
    const first = seen.get(a.name);
    if (first !== undefined) problems.push(at('DUPLICATE_IDENTITY', ['applications', i, 'name'], `application name "${a.name}" is used twice (first at applications[${first}]); names are unique`));
    else seen.set(a.name, i);
    if (a.application !== undefined && !isTagValue(a.application)) {
      problems.push(at('SCHEMA', ['applications', i, 'application'], 'must be a tag value: at most 256 letters, digits, spaces or + - = . _ : / @'));
    }
    for (const field of ['branch', 'interval'] as const) {
      if (a.source[field] !== undefined && a.source.gitUrl === undefined) {
        problems.push(at('INVALID_COMBINATION', ['applications', i, 'source', field], `${field} applies to a polled repository only; set gitUrl or remove ${field}`));
      }
    }
    if (a.target?.externalId !== undefined && a.target.roleArn === undefined) {
      problems.push(at('INVALID_COMBINATION', ['applications', i, 'target', 'externalId'], 'an external id is sent with AssumeRole only; set roleArn or remove externalId'));
    }
  });
  return problems;
}

/** Notification sinks need a URL each, and the variables they name must be set (an unset secret would send unsigned messages). */
function checkNotifications(raw: RawApplication[], env: NodeJS.ProcessEnv, at: (code: Finding['code'], path: (string | number)[], message: string) => Finding): Finding[] {
  return raw.flatMap((a, i) => {
    const n = a.notifications;
    if (!n) return [];
    const path = ['applications', i, 'notifications'];
    const problems: Finding[] = [];
    if (n.slack !== undefined && n.slackEnv !== undefined) problems.push(at('INVALID_COMBINATION', [...path, 'slackEnv'], 'set slack or slackEnv, not both'));
    if (n.webhook === undefined && n.slack === undefined && n.slackEnv === undefined) problems.push(at('SCHEMA', path, 'names no sink: set webhook, slack or slackEnv'));
    if (n.webhookSecretEnv !== undefined && n.webhook === undefined) problems.push(at('INVALID_COMBINATION', [...path, 'webhookSecretEnv'], 'a secret signs webhook messages; set webhook or remove webhookSecretEnv'));
    for (const field of ['webhookSecretEnv', 'slackEnv'] as const) {
      const name = n[field];
      if (name !== undefined && !env[name]) problems.push(at('SCHEMA', [...path, field], `the environment variable ${name} is not set`));
    }
    const slack = n.slackEnv !== undefined ? env[n.slackEnv] : undefined;
    if (slack && !/^https?:\/\//.test(slack)) problems.push(at('SCHEMA', [...path, 'slackEnv'], `the environment variable ${n.slackEnv} must hold an http(s) URL`));
    return problems;
  });
}

function notificationsOf(n: NonNullable<RawApplication['notifications']>, env: NodeJS.ProcessEnv): NotificationSettings {
  const secret = n.webhookSecretEnv !== undefined ? env[n.webhookSecretEnv] : undefined;
  const slack = n.slack ?? (n.slackEnv !== undefined ? env[n.slackEnv] : undefined);
  return Object.freeze({
    ...(n.webhook !== undefined ? { webhook: Object.freeze({ url: n.webhook, ...(secret ? { secret } : {}) }) } : {}),
    ...(slack ? { slack: Object.freeze({ url: slack }) } : {}),
    ...(n.events ? { events: Object.freeze(n.events.filter((e) => (NOTIFICATION_EVENTS as readonly string[]).includes(e))) } : {}),
  });
}

function applicationConfig(a: RawApplication, base: string, defaults: ApplicationDefaults, env: NodeJS.ProcessEnv): ApplicationConfig {
  const { source, target = {}, prune = {} } = a;
  return Object.freeze({
    name: a.name,
    ...(a.application !== undefined ? { application: a.application } : {}),
    source: {
      repo: resolve(base, source.repo),
      ...(source.path !== undefined ? { path: source.path } : {}),
      ...(source.gitUrl !== undefined ? { gitUrl: source.gitUrl } : {}),
      ...(source.branch !== undefined ? { gitBranch: source.branch } : {}),
      gitIntervalMs: source.interval !== undefined ? parseDuration(source.interval, 'interval') : defaults.gitIntervalMs,
    },
    target: {
      region: target.region ?? defaults.region,
      ...(target.roleArn !== undefined ? { roleArn: target.roleArn } : {}),
      ...(target.externalId !== undefined ? { externalId: target.externalId } : {}),
      ...(target.endpoint !== undefined ? { endpoint: target.endpoint } : {}),
    },
    prune: {
      enabled: prune.enabled ?? defaults.prune.enabled,
      allowEmpty: prune.allowEmpty ?? defaults.prune.allowEmpty,
      maxDeletesPerSync: prune.maxDeletes ?? defaults.prune.maxDeletesPerSync,
    },
    selfHeal: a.selfHeal ?? defaults.selfHeal,
    resyncMs: a.resync !== undefined ? parseDuration(a.resync, 'resync') : defaults.resyncMs,
    ...(a.notifications ? { notifications: notificationsOf(a.notifications, env) } : {}),
  });
}
