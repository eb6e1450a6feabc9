// The CloudFormation template as the tests see it: parsed, and rendered for a set of
// parameter values the way CloudFormation would (conditions evaluated, Fn::If resolved,
// AWS::NoValue dropped, Ref to a parameter replaced by its value). Only what the
// template uses is implemented; anything else is left as written.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TEMPLATE_PATH = join(ROOT, 'deploy/cloudformation.yaml');

type Json = unknown;
export interface Template {
  Parameters: Record<string, { Type: string; Default?: string | number; MinValue?: number; MaxValue?: number; AllowedValues?: unknown[] }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, Json> }>;
  Outputs: Record<string, { Value: Json }>;
}

export function loadTemplate(): Template {
  return loadTemplateAt(TEMPLATE_PATH);
}

/** Another template of the repository (`path` relative to its root). */
export function loadTemplateAt(path: string): Template {
  return parse(readFileSync(resolve(ROOT, path), 'utf8')) as Template;
}

const NO_VALUE = Symbol('AWS::NoValue');

export function render(template: Template, values: Record<string, string | string[]>): Template {
  const params: Record<string, unknown> = {};
  // A list parameter's default is its comma-separated text, as CloudFormation reads it.
  const fallback = (p: Template['Parameters'][string]) => (p.Type === 'CommaDelimitedList' && typeof p.Default === 'string' ? p.Default.split(',') : p.Default);
  for (const [name, p] of Object.entries(template.Parameters)) params[name] = values[name] ?? fallback(p);
  const conditions = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    if (!conditions.has(name)) conditions.set(name, truth(template.Conditions[name]));
    return conditions.get(name)!;
  };
  const value = (x: Json): unknown => {
    const o = x as Record<string, Json>;
    if (o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length === 1 && 'Ref' in o) {
      const ref = o.Ref as string;
      return ref === 'AWS::NoValue' ? NO_VALUE : ref in params ? params[ref] : x;
    }
    if (o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length === 1 && 'Fn::Join' in o) {
      const [separator, list] = o['Fn::Join'] as [string, Json];
      const items = value(list);
      return Array.isArray(items) ? items.map((i) => String(value(i as Json))).join(separator) : x;
    }
    return x;
  };
  const truth = (x: Json): boolean => {
    const o = x as Record<string, Json[]>;
    if ('Fn::Equals' in o) return String(value(o['Fn::Equals'][0])) === String(value(o['Fn::Equals'][1]));
    if ('Fn::Not' in o) return !truth(o['Fn::Not'][0]);
    if ('Fn::And' in o) return o['Fn::And'].every(truth);
    if ('Fn::Or' in o) return o['Fn::Or'].some(truth);
    if ('Condition' in o) return condition(o.Condition as unknown as string);
    throw new Error(`unsupported condition ${JSON.stringify(x)}`);
  };
  const walk = (x: Json): unknown => {
    if (Array.isArray(x)) return x.map(walk).filter((v) => v !== NO_VALUE);
    if (!x || typeof x !== 'object') return x;
    const o = x as Record<string, Json>;
    if ('Fn::If' in o) {
      const [c, a, b] = o['Fn::If'] as [string, Json, Json];
      return walk(condition(c) ? a : b);
    }
    if ('Fn::Split' in o) {
      const [separator, source] = o['Fn::Split'] as [string, Json];
      return String(walk(source)).split(separator);
    }
    const v = value(o);
    if (v !== o) return v;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(o)) {
      const w = walk(child);
      if (w !== NO_VALUE) out[k] = w;
    }
    return out;
  };
  const resources: Template['Resources'] = {};
  for (const [name, r] of Object.entries(template.Resources)) {
    if (r.Condition && !condition(r.Condition)) continue;
    resources[name] = walk(r) as Template['Resources'][string];
  }
  return { ...template, Resources: resources, Outputs: walk(template.Outputs) as Template['Outputs'] };
}

export interface ContainerDefinition {
  Name: string;
  Image: unknown;
  Essential?: boolean;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  MountPoints?: { SourceVolume: string; ContainerPath: string; ReadOnly?: boolean }[];
  DependsOn?: { ContainerName: string; Condition: string }[];
  HealthCheck?: { Command: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
  StopTimeout?: unknown;
  PortMappings?: { ContainerPort: number }[];
  LogConfiguration?: { LogDriver: string; Options: Record<string, unknown> };
}

export function containers(template: Template): ContainerDefinition[] {
  return template.Resources.TaskDefinition.Properties.ContainerDefinitions as ContainerDefinition[];
}
