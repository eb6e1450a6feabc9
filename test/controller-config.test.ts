// The controller configuration file: what it sets, what it leaves to the flags, and a
// finding naming file, line and field for every mistake.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ControllerConfigError, parseControllerConfig, readControllerConfig } from '../src/controller-config.js';
import { daemonConfig } from '../src/commands/run.js';
import { main } from '../src/cli.js';

const DEFAULTS = { region: 'us-east-1', gitIntervalMs: 60_000, resyncMs: 60_000, selfHeal: true, prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 } };
const parse = (text: string) => parseControllerConfig('/etc/ecs-gitops/controller.yaml', Buffer.from(text), DEFAULTS);

/** The findings of an invalid file, formatted. */
function problems(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof ControllerConfigError) return err.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.field ?? ''} ${f.code}: ${f.message}`);
    throw err;
  }
  throw new Error('the file was accepted');
}

const HEAD = 'apiVersion: ecs-gitops.io/v1alpha1\nkind: ControllerConfig\napplications:\n';

t.test('deploy/controller.example.yaml is valid and says what its comments say', async (t) => {
  const file = resolve('deploy/controller.example.yaml');
  const applications = readControllerConfig(file, DEFAULTS);
  t.same(applications.map((a) => a.name), ['shop', 'billing']);
  const [shop, billing] = applications;
  t.same(shop, {
    name: 'shop',
    source: { repo: '/srv/checkout/shop', path: 'production', gitIntervalMs: 60_000 },
    target: { region: 'eu-west-1' },
    prune: { enabled: true, allowEmpty: false, maxDeletesPerSync: 10 },
    selfHeal: true,
    resyncMs: 120_000,
  });
  t.same(billing, {
    name: 'billing',
    application: 'billing-production',
    source: { repo: '/var/lib/ecs-gitops/billing', path: 'ecs', gitUrl: 'https://github.com/acme/billing-deploy', gitBranch: 'main', gitIntervalMs: 30_000 },
    target: { region: 'us-east-1', roleArn: 'arn:aws:iam::210987654321:role/ecs-gitops-target', externalId: 'acme-billing' },
    prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 },
    selfHeal: false,
    resyncMs: 60_000,
  });
  t.match(readFileSync(file, 'utf8'), /^# yaml-language-server: \$schema=\.\.\/crds\/controller-config\.schema\.json/, 'editors find the schema');
});

t.test('what an application leaves out comes from the flags; relative repositories from the file’s directory', async (t) => {
  const [app] = parse(`${HEAD}  - name: web\n    source: { repo: ../checkout }\n`);
  t.same(app, { name: 'web', source: { repo: '/etc/checkout', gitIntervalMs: 60_000 }, target: { region: 'us-east-1' }, prune: DEFAULTS.prune, selfHeal: true, resyncMs: 60_000 });
});

t.test('every mistake is a finding with the file, the line and the field', async (t) => {
  const cases: [string, string, RegExp[]][] = [
    ['an unknown field, with a suggestion', `${HEAD}  - name: web\n    source: { repo: /srv }\n    selfheal: true\n`, [/controller\.yaml:6:5 applications\[0\]\.selfheal UNKNOWN_FIELD: unknown field; did you mean "selfHeal"\?/]],
    ['a wrong type', `${HEAD}  - name: web\n    source: { repo: /srv }\n    prune:\n      maxDeletes: lots\n`, [/:7:19 applications\[0\]\.prune\.maxDeletes SCHEMA: must be integer >= 1; found string "lots"/]],
    ['a missing source', `${HEAD}  - name: web\n`, [/:4:5 applications\[0\]\.source MISSING_FIELD/]],
    ['a name the API cannot use', `${HEAD}  - name: Web Shop\n    source: { repo: /srv }\n`, [/:4:11 applications\[0\]\.name SCHEMA/]],
    ['a bad duration', `${HEAD}  - name: web\n    source: { repo: /srv }\n    resync: soon\n`, [/:6:13 applications\[0\]\.resync SCHEMA/]],
    ['a bad region', `${HEAD}  - name: web\n    source: { repo: /srv }\n    target: { region: Frankfurt }\n`, [/:6:23 applications\[0\]\.target\.region SCHEMA/]],
    ['a role that is not a role ARN', `${HEAD}  - name: web\n    source: { repo: /srv }\n    target: { roleArn: admin }\n`, [/applications\[0\]\.target\.roleArn SCHEMA/]],
    ['a name used twice', `${HEAD}  - name: web\n    source: { repo: /a }\n  - name: web\n    source: { repo: /b }\n`, [/:6:11 applications\[1\]\.name DUPLICATE_IDENTITY: application name "web" is used twice \(first at applications\[0\]\)/]],
    ['a branch without a git URL', `${HEAD}  - name: web\n    source: { repo: /a, branch: main }\n`, [/:5:33 applications\[0\]\.source\.branch INVALID_COMBINATION/]],
    ['an external id without a role', `${HEAD}  - name: web\n    source: { repo: /a }\n    target: { externalId: xyz }\n`, [/applications\[0\]\.target\.externalId INVALID_COMBINATION/]],
    ['no applications', `${HEAD.replace('applications:\n', 'applications: []\n')}`, [/:3:15 applications SCHEMA/]],
    ['another kind', 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Service\napplications: []\n', [/:2:7 kind SCHEMA/]],
    ['broken YAML', `${HEAD}  - name: web\n   source: {\n`, [/controller\.yaml:\d+:\d+ +YAML_SYNTAX/]],
  ];
  for (const [name, text, expected] of cases) {
    const found = problems(text);
    for (const pattern of expected) t.ok(found.some((f) => pattern.test(f)), `${name}: ${found.join(' | ')}`);
  }
});

t.test('run --config: the file replaces the single-application flags; together they are a usage error', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'controller.yaml');
  writeFileSync(file, `${HEAD}  - name: web\n    source: { repo: checkout }\n  - name: api\n    source: { repo: checkout, path: api }\n    target: { region: eu-west-1 }\n`);
  const config = daemonConfig(['--config', file, '--region', 'eu-central-1', '--resync', '30s'], {}, false);
  t.notOk('repo' in config);
  t.same(config.applications?.map((a) => [a.name, a.source.repo, a.target.region, a.resyncMs]), [
    ['web', join(dir, 'checkout'), 'eu-central-1', 30_000],
    ['api', join(dir, 'checkout'), 'eu-west-1', 30_000],
  ]);
  t.same(daemonConfig([], { ECS_GITOPS_CONFIG: file }, false).applications?.length, 2, 'ECS_GITOPS_CONFIG');
  t.throws(() => daemonConfig(['--config', file, '--repo', 'x'], {}, false), /--config lists the applications; --repo \(ECS_GITOPS_REPO\) describes a single one/);
  t.throws(() => daemonConfig(['--config', file, '--prune', '--path', 'p'], {}, false), /--path \(ECS_GITOPS_PATH\), --prune \(ECS_GITOPS_PRUNE\) describe a single one/);
  t.throws(() => daemonConfig(['--config', file], { ECS_GITOPS_REPO: '/srv/checkout' }, false), /ECS_GITOPS_REPO/, 'from the environment too');
  t.throws(() => daemonConfig(['--config', join(dir, 'nope.yaml')], {}, false), /--config: cannot read .*nope\.yaml/);
  t.throws(() => daemonConfig(['x'], {}, false), /run takes no arguments/, 'a positional repository stays refused');
  t.throws(() => daemonConfig([], {}, false), /--repo DIR is required .* or --config FILE/);
});

t.test('ecs-gitops run --config with an invalid file: every finding on stderr, exit 2, nothing started', async (t) => {
  const file = join(t.testdir(), 'controller.yaml');
  writeFileSync(file, `${HEAD}  - name: web\n    source: { repo: /srv }\n    resync: soon\n    prune: { enabld: true }\n`);
  const err: string[] = [];
  const code = await main(['run', '--config', file, '--listen', '127.0.0.1:0'], { out: () => undefined, err: (l) => err.push(l), color: false });
  t.equal(code, 2);
  t.match(err.join('\n'), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:13 applications\\[0\\]\\.resync: must be`));
  t.match(err.join('\n'), /:7:14 applications\[0\]\.prune\.enabld: unknown field; did you mean "enabled"\?/);
  t.match(err.at(-1), /2 errors in the controller configuration; nothing started/);
});

t.test('every field of the schema is in the README’s table of the controller configuration', async (t) => {
  const schema = JSON.parse(readFileSync('crds/controller-config.schema.json', 'utf8')) as { definitions: { application: Node } };
  interface Node { properties?: Record<string, Node> }
  const fields = (node: Node, prefix = ''): string[] =>
    Object.entries(node.properties ?? {}).flatMap(([name, child]) => (child.properties ? fields(child, `${prefix}${name}.`) : [`${prefix}${name}`]));
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## One daemon, many applications'), readme.indexOf('\n## ', readme.indexOf('## One daemon, many applications') + 1));
  const listed = fields(schema.definitions.application);
  t.ok(listed.length >= 14, `${listed.length} fields`);
  for (const field of listed) t.ok(section.includes(`\`${field}\``), field);
});

t.test('an application may have its own notification sinks; secrets come from the environment, named in the file', async (t) => {
  const text = `${HEAD}  - name: web\n    source: { repo: /srv }\n    notifications:\n      webhook: https://hooks.example.com/web\n      webhookSecretEnv: WEB_HOOK_SECRET\n      slackEnv: WEB_SLACK_URL\n      events: [degraded, rollback]\n`;
  const env = { WEB_HOOK_SECRET: 's3cret', WEB_SLACK_URL: 'https://hooks.slack.com/services/T0/B0/x' };
  const [app] = parseControllerConfig('/etc/ecs-gitops/controller.yaml', Buffer.from(text), DEFAULTS, env);
  t.same(app.notifications, {
    webhook: { url: 'https://hooks.example.com/web', secret: 's3cret' },
    slack: { url: 'https://hooks.slack.com/services/T0/B0/x' },
    events: ['degraded', 'rollback'],
  });
  const unset = (() => {
    try {
      parseControllerConfig('/etc/ecs-gitops/controller.yaml', Buffer.from(text), DEFAULTS, {});
    } catch (err) {
      return (err as ControllerConfigError).findings.map((f) => `${f.line}:${f.column} ${f.field ?? ''}: ${f.message}`);
    }
    return [];
  })();
  t.same(unset, [
    '8:25 applications[0].notifications.webhookSecretEnv: the environment variable WEB_HOOK_SECRET is not set',
    '9:17 applications[0].notifications.slackEnv: the environment variable WEB_SLACK_URL is not set',
  ], 'an unset variable is a finding at its line, not an unsigned message later');
  t.match(problems(`${HEAD}  - name: web\n    source: { repo: /srv }\n    notifications:\n      events: [rollback]\n`), [/:7:7 applications\[0\]\.notifications SCHEMA: names no sink/]);
  t.match(problems(`${HEAD}  - name: web\n    source: { repo: /srv }\n    notifications:\n      slack: https://hooks.slack.com/x\n      events: [rolback]\n`), [/:8:16 applications\[0\]\.notifications\.events\[0\] SCHEMA: must be one of/]);
});
