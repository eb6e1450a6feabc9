/**
 * `ecs-gitops import --cluster NAME [--service NAME]… [--namespace NAME]… --out DIR`:
 * writes what already runs in AWS as documents, normalised and annotated for adoption,
 * so existing services come under the controller without a deployment. Nothing is
 * written unless all of it validates; existing files are kept unless `--force`. Exit 0
 * written, 1 nothing written because something could not be described (or would not
 * validate), 2 usage, AWS or file error.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { ImportNotFound, createRoute53Client, readForImport } from '../aws/import.js';
import { AWS_OPTIONS, UsageError, awsSettings, parseCommandLine, type AwsSettings } from '../config.js';
import { importDocuments, type ImportedFile, type ImportProblem } from '../core/import.js';
import { escapeForTerminal, formatFinding, loadConfig, type Finding } from '../load/index.js';
import { clientsFor, describeAwsFailure, type CommandIO } from './common.js';
import { OUTPUT_OPTIONS, outputFormat, serialize, type OutputFormat } from './output.js';

export const IMPORT_OPTIONS = {
  ...AWS_OPTIONS,
  cluster: { type: 'string', placeholder: 'NAME', description: 'the ECS cluster whose services to import' },
  service: { type: 'string', multiple: true, placeholder: 'NAME', description: 'import only this service of the cluster (repeatable; the environment variable takes a comma-separated list)' },
  namespace: { type: 'string', multiple: true, placeholder: 'NAME', description: 'also import this Cloud Map namespace and all its services (repeatable; the namespaces of the services\' registries are always imported)' },
  vpc: { type: 'string', multiple: true, placeholder: '[NAMESPACE=]VPC', description: 'the VPC of a private DNS namespace (Cloud Map does not say), for one namespace or, without NAMESPACE=, for all' },
  out: { type: 'string', placeholder: 'DIR', default: '.', description: 'the directory to write the files to (created if missing)' },
  force: { type: 'boolean', description: 'overwrite files that already exist' },
  ...OUTPUT_OPTIONS,
} as const;

/** The report of an import in the json and yaml formats. */
interface ImportReport {
  ok: boolean;
  out: string;
  files: { path: string; documents: ImportedFile['documents'] }[];
  problems: ImportProblem[];
  findings?: Finding[];
  error?: string;
}

/** A repeatable flag's values; from the environment, a comma-separated list. */
function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return items.map((s) => s.trim()).filter(Boolean);
}

/** `--vpc vpc-1` (every private namespace) and `--vpc store.local=vpc-2` (one). */
function vpcsOf(values: string[]): Map<string, string> {
  const vpcs = new Map<string, string>();
  for (const v of values) {
    const at = v.lastIndexOf('=');
    const [namespace, vpc] = at < 0 ? ['*', v] : [v.slice(0, at), v.slice(at + 1)];
    if (!/^vpc-[0-9a-f]+$/.test(vpc)) throw new UsageError(`--vpc takes a VPC id (vpc-…), optionally after NAMESPACE=, not ${JSON.stringify(v)}`);
    vpcs.set(namespace, vpc);
  }
  return vpcs;
}

export function renderFile(file: ImportedFile, origin: string): string {
  const header = `# ${file.documents.map((d) => `${d.kind} ${d.metadata.name}`).join(', ')}\n# imported from ${origin} by ecs-gitops import\n`;
  return header + file.documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

export async function importCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandLine(argv, IMPORT_OPTIONS);
  const output = outputFormat(values);
  const out = (values.out as string | undefined) ?? '.';
  const report: ImportReport = { ok: false, out, files: [], problems: [] };
  const finish = (code: number, error?: string): number => {
    if (error) report.error = error;
    // Files are listed only once written.
    if (code !== 0) report.files = [];
    if (output !== 'text') io.out(serialize(output, report));
    else if (error) io.err(`error: ${escapeForTerminal(error)}`);
    return code;
  };
  const cluster = values.cluster as string | undefined;
  const services = list(values.service);
  const namespaces = list(values.namespace);
  let vpcs: Map<string, string>;
  let aws: AwsSettings;
  try {
    if (cluster === undefined && namespaces.length === 0) throw new UsageError('import needs --cluster NAME, --namespace NAME or both');
    if (services.length > 0 && cluster === undefined) throw new UsageError('--service needs --cluster');
    vpcs = vpcsOf(list(values.vpc));
    aws = awsSettings(values);
  } catch (err) {
    if (output === 'text' || !(err instanceof UsageError)) throw err;
    return finish(2, err.message);
  }
  let target;
  try {
    target = await clientsFor(aws);
  } catch (err) {
    return finish(2, describeAwsFailure(err));
  }
  const { clients } = target;
  // Route 53 with the same credentials (a target role's, when assumed).
  const route53 = createRoute53Client({ ...aws, credentials: clients.ecs.config.credentials });
  let source;
  try {
    source = await readForImport({ ...clients, route53 }, { ...(cluster !== undefined ? { cluster } : {}), ...(services.length ? { services } : {}), namespaces });
  } catch (err) {
    return finish(2, err instanceof ImportNotFound ? err.message : describeAwsFailure(err));
  } finally {
    target.close();
    route53.destroy();
  }
  const result = importDocuments(source, { vpcs, controllerId: aws.controllerId, ...(aws.application !== undefined ? { application: aws.application } : {}) });
  report.problems = result.problems;
  report.files = result.files.map((f) => ({ path: join(out, f.name), documents: f.documents }));
  if (output === 'text') for (const p of result.problems) io.err(`${p.severity}: ${escapeForTerminal(p.object)}: ${escapeForTerminal(p.message)}`);
  if (result.problems.some((p) => p.severity === 'error')) return finish(1, 'nothing written: fix the errors above (or leave those objects out)');
  const origin = cluster !== undefined ? `cluster ${cluster}` : `namespace ${namespaces.join(', ')}`;
  return writeChecked(result.files, origin, out, values.force === true, report, io, output, finish);
}

/** Validates the files as the loader will read them, then writes them; nothing is written if any would not validate. */
async function writeChecked(files: ImportedFile[], origin: string, out: string, force: boolean, report: ImportReport, io: CommandIO, output: OutputFormat, finish: (code: number, error?: string) => number): Promise<number> {
  const existing = files.map((f) => join(out, f.name)).filter((p) => existsSync(p));
  if (existing.length && !force) return finish(2, `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing written (--force overwrites)`);
  const staging = mkdtempSync(join(tmpdir(), 'ecs-gitops-import-'));
  try {
    for (const f of files) writeFileSync(join(staging, f.name), renderFile(f, origin));
    const loaded = await loadConfig(staging);
    if (!loaded.ok) {
      const findings = loaded.errors.map((e) => ({ ...e, file: join(out, relative(staging, e.file)) }));
      report.findings = findings;
      if (output === 'text') for (const f of findings) io.err(formatFinding(f));
      return finish(1, `the documents would not validate (${findings.length} error${findings.length === 1 ? '' : 's'}); nothing written`);
    }
    mkdirSync(out, { recursive: true });
    for (const f of files) copyFileSync(join(staging, f.name), join(out, f.name));
  } catch (err) {
    return finish(2, `cannot write to ${out}: ${(err as Error).message}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  report.ok = true;
  if (output === 'text') {
    for (const f of files) io.out(`wrote ${join(out, f.name)}: ${f.documents.map((d) => `${d.kind} ${d.metadata.name}`).join(', ')}`);
    const documents = files.reduce((n, f) => n + f.documents.length, 0);
    io.out(`${documents} document${documents === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}, each annotated ecs-gitops.io/adopt: "true"; next: ecs-gitops diff ${out}`);
  }
  return finish(0);
}
