/**
 * Flags and environment into a validated, frozen configuration. Every flag `--some-flag`
 * has the environment equivalent `ECS_GITOPS_SOME_FLAG`; a flag wins over the
 * environment, the environment over the default. An ECS task is configured by
 * environment alone.
 *
 * Each command declares its flags once, in an option table; parsing, the environment
 * lookup, `--help` and the README test all read that table.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_TAG_VALUE, isTagValue } from './core/tags.js';

/** A mistake in how the command was called: exit 2 with a one-line error. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** One flag of a command: how it parses and how `--help` explains it. */
export interface OptionEntry {
  type: 'string' | 'boolean';
  /** A one-letter alias: `-o`. */
  short?: string;
  /** May be given more than once (the values come as a list; the environment gives one string). */
  multiple?: boolean;
  /** What the flag does, in a phrase (shown in `--help`). */
  description: string;
  /** What a string flag takes, as help shows it: `URL`, `N`, `text|json|yaml`. */
  placeholder?: string;
  /** The value used when neither flag nor environment gives one, as help shows it. */
  default?: string;
  /** The environment variable, when it is not `ECS_GITOPS_<FLAG>`. */
  env?: string;
}

/** A command's flags, keyed by the flag's name without dashes. */
export type OptionTable = Record<string, OptionEntry>;

/** What parsing needs of a flag: an option table's entry, or node's parseArgs option (whose `default` is ignored, so the environment can fill it). */
export type OptionSpec = Record<string, Pick<OptionEntry, 'type' | 'short' | 'multiple' | 'env'>>;

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export function envName(flag: string): string {
  return `ECS_GITOPS_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** The environment variable an option reads. */
export function envOf(flag: string, entry: Pick<OptionEntry, 'env'>): string {
  return entry.env ?? envName(flag);
}

/**
 * Parses `argv` against `options`, filling each option missing from the command line
 * from its environment variable. Booleans read `true`/`1`/`yes` and `false`/`0`/`no`.
 */
export function parseCommandLine(argv: string[], options: OptionSpec, env: NodeJS.ProcessEnv = process.env) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: parserOptions(options), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(firstLine((err as Error).message));
  }
  const values: OptionValues = { ...(parsed.values as OptionValues) };
  for (const [flag, spec] of Object.entries(options)) {
    if (values[flag] !== undefined) continue;
    const name = envOf(flag, spec);
    const fromEnv = env[name];
    if (fromEnv === undefined || fromEnv === '') continue;
    if (spec.type === 'boolean') {
      if (/^(true|1|yes)$/i.test(fromEnv)) values[flag] = true;
      else if (/^(false|0|no)$/i.test(fromEnv)) values[flag] = false;
      else throw new UsageError(`${name} must be true or false, not ${JSON.stringify(fromEnv)}`);
    } else {
      values[flag] = fromEnv;
    }
  }
  return { values, positionals: parsed.positionals };
}

function parserOptions(options: OptionSpec): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(options).map(([flag, o]) => [flag, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));
}

// parseArgs appends advice on `--` to some messages; the first sentence is the mistake.
function firstLine(message: string): string {
  const sentence = message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '').replace(/\.$/, '');
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `1h`, `1m30s` → milliseconds. */
export function parseDuration(text: string, name: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new UsageError(`${name} must be a duration such as 500ms, 30s, 5m or 1h, not ${JSON.stringify(text)}`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]], 0);
}

export function parseCount(text: string | undefined, name: string, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${name} must be a whole number >= ${min}, not ${JSON.stringify(text)}`);
  return Number(text);
}

export function oneOf<T extends string>(text: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(text)}`);
  return text as T;
}

// ---------------------------------------------------------------- the engine's options

/** Options every command that talks to AWS takes. */
export const AWS_OPTIONS = {
  endpoint: { type: 'string', placeholder: 'URL', default: 'AWS', description: 'send every ECS and Cloud Map call there (the simulator, moto, a proxy)' },
  region: { type: 'string', placeholder: 'R', default: 'AWS_REGION, else us-east-1', description: 'the AWS region' },
  'controller-id': {
    type: 'string',
    placeholder: 'ID',
    default: 'ecs-gitops',
    description: "value of the owner tag; controllers with different ids never touch each other's objects",
  },
  application: {
    type: 'string',
    placeholder: 'NAME',
    default: "the checkout's origin URL + the config path",
    description: "value of the application tag; within one controller id, applications never prune, adopt or change each other's objects",
  },
  'role-arn': {
    type: 'string',
    placeholder: 'ARN',
    default: 'the credentials as found',
    description: "assume this IAM role (STS AssumeRole) for every ECS and Cloud Map call: the target account is the role's",
  },
  'external-id': { type: 'string', placeholder: 'ID', description: "with --role-arn, the external id the role's trust policy asks for" },
} as const satisfies OptionTable;

export const PRUNE_OPTIONS = {
  prune: { type: 'boolean', description: 'delete owned objects whose document left git' },
  'allow-empty': { type: 'boolean', description: 'allow a pass that deletes every owned object' },
  'max-deletes': { type: 'string', placeholder: 'N', default: '20', description: 'deletions per pass at most' },
} as const satisfies OptionTable;

export interface AwsSettings {
  region: string;
  endpoint?: string;
  controllerId: string;
  /** `--application`, when given; else the command derives it from the config's checkout (src/application.ts). */
  application?: string;
  /** `--role-arn`: the role assumed for every call (the target account). */
  roleArn?: string;
  /** `--external-id`, with `roleArn`. */
  externalId?: string;
}

/** An IAM role ARN; group 1 is the account. */
export const ROLE_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** What STS accepts as an external id. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The AWS settings with the application decided (given, or derived from the config's checkout). */
export interface ApplicationSettings extends AwsSettings {
  application: string;
}

export interface PruneSettings {
  enabled: boolean;
  allowEmpty: boolean;
  maxDeletesPerSync: number;
}

export const DEFAULT_CONTROLLER_ID = 'ecs-gitops';
export const DEFAULT_MAX_DELETES = 20;

export function awsSettings(values: OptionValues, env: NodeJS.ProcessEnv = process.env): AwsSettings {
  const endpoint = values.endpoint as string | undefined;
  if (endpoint !== undefined) {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      throw new UsageError(`--endpoint must be an http(s) URL, not ${JSON.stringify(endpoint)}`);
    }
  }
  const controllerId = (values['controller-id'] as string | undefined) ?? DEFAULT_CONTROLLER_ID;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(controllerId)) throw new UsageError('--controller-id must be 1-128 letters, digits, dots, dashes or underscores');
  const application = values.application as string | undefined;
  if (application !== undefined && (application.trim() === '' || !isTagValue(application))) {
    throw new UsageError(`--application must be 1-${MAX_TAG_VALUE} letters, digits, spaces or + - = . _ : / @ (the value of the tag ecs-gitops.io/application), not ${JSON.stringify(application)}`);
  }
  const roleArn = values['role-arn'] as string | undefined;
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) throw new UsageError(`--role-arn must be an IAM role ARN such as arn:aws:iam::111122223333:role/ecs-gitops-target, not ${JSON.stringify(roleArn)}`);
  const externalId = values['external-id'] as string | undefined;
  if (externalId !== undefined && roleArn === undefined) throw new UsageError('--external-id needs --role-arn (it is part of assuming the role)');
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) throw new UsageError('--external-id must be 2-1224 letters, digits or + = , . @ : / - _');
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new UsageError(`--region must be an AWS region such as eu-west-1, not ${JSON.stringify(region)}`);
  return Object.freeze({
    region,
    ...(endpoint ? { endpoint } : {}),
    controllerId,
    ...(application !== undefined ? { application } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
  });
}

export function pruneSettings(values: OptionValues): PruneSettings {
  return Object.freeze({
    enabled: values.prune === true,
    allowEmpty: values['allow-empty'] === true,
    maxDeletesPerSync: parseCount(values['max-deletes'] as string | undefined, '--max-deletes', DEFAULT_MAX_DELETES, 1),
  });
}
