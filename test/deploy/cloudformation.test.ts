// deploy/cloudformation.yaml: cfn-lint accepts it, and rendered for each way of getting
// the config repository it runs what a user expects — one controller at a time, secrets
// from Secrets Manager, a health check without shell tools, a stop timeout the daemon's
// graceful shutdown fits in, a Cloud Map name for Prometheus.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_OPTIONS } from '../../src/commands/run.js';
import { envName, parseDuration } from '../../src/config.js';
import { ROOT, TEMPLATE_PATH, containers, loadTemplate, render, type ContainerDefinition, type Template } from './cfn.js';
import { parseDockerfile, runtimeStage } from './dockerfile.js';

const template = loadTemplate();
const REQUIRED = {
  Image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-gitops:0.1.0',
  VpcId: 'vpc-0123456789abcdef0',
  SubnetIds: ['subnet-0123456789abcdef0'],
  PassRoleArns: ['arn:aws:iam::123456789012:role/store-ecs-task-execution'],
  ApiTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecs-gitops/api-token-AbCdEf',
  WebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecs-gitops/webhook-AbCdEf',
  GitUrl: 'https://github.com/example/config.git',
};

const controller = (tpl: Template) => containers(tpl).find((c) => c.Name === 'ecs-gitops')!;
const env = (c: ContainerDefinition) => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));
const secrets = (c: ContainerDefinition) => Object.fromEntries((c.Secrets ?? []).map((e) => [e.Name, e.ValueFrom]));

t.test('cfn-lint accepts the templates (the controller, and the role in a target account)', async (t) => {
  const result = await new Promise<{ code: number; output: string } | undefined>((resolve) => {
    execFile('cfn-lint', ['--format', 'parseable', TEMPLATE_PATH, join(ROOT, 'deploy/target-account-role.yaml')], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  if (!result) {
    const why = 'cfn-lint is not installed (pip install cfn-lint)';
    if (process.env.CI === 'true') t.fail(`${why}; CI must run this check`);
    else t.skip(why, () => {});
    return;
  }
  t.equal(result.code, 0, `cfn-lint finds nothing${result.output ? `:\n${result.output}` : ''}`);
});

t.test('at most one controller runs, also during a deployment', async (t) => {
  const service = render(template, REQUIRED).Resources.Service.Properties as Record<string, never>;
  t.equal(service.DesiredCount, 1);
  t.equal(service.LaunchType, 'FARGATE');
  t.match(service.DeploymentConfiguration, { MaximumPercent: 100, MinimumHealthyPercent: 0 }, 'the old task stops before the new one starts');
  t.match(service.DeploymentConfiguration, { DeploymentCircuitBreaker: { Enable: true, Rollback: true } }, 'a controller version that cannot start is rolled back');
});

t.test('the controller container: image CMD, configuration by ECS_GITOPS_* variables, secrets from Secrets Manager', async (t) => {
  const c = controller(render(template, REQUIRED));
  t.equal(c.Essential, true);
  t.equal(c.Image, REQUIRED.Image);
  t.notOk('Command' in c, 'the image\'s CMD (node under tini) is used, so SIGTERM reaches node');
  t.same(c.PortMappings?.map((p) => p.ContainerPort), [8080]);

  const known = new Set(Object.keys(RUN_OPTIONS).map(envName));
  for (const name of Object.keys(env(c))) t.ok(known.has(name), `${name} is a variable \`ecs-gitops run\` reads`);
  t.match(env(c), { ECS_GITOPS_GIT_URL: REQUIRED.GitUrl, ECS_GITOPS_GIT_BRANCH: 'main', ECS_GITOPS_LISTEN: '0.0.0.0:8080', ECS_GITOPS_CONTROLLER_ID: 'ecs-gitops' });
  t.same(secrets(c), { ECS_GITOPS_API_TOKEN: REQUIRED.ApiTokenSecretArn, ECS_GITOPS_WEBHOOK_SECRET: REQUIRED.WebhookSecretArn }, 'the API token and webhook secret come from Secrets Manager');
  t.notOk('ECS_GITOPS_API_TOKEN' in env(c) || 'ECS_GITOPS_WEBHOOK_SECRET' in env(c), 'never as plain environment');

  const execution = render(template, REQUIRED).Resources.ExecutionRole.Properties as { Policies: { PolicyDocument: { Statement: { Action: string; Resource: string[] }[] } }[] };
  t.same(execution.Policies[0].PolicyDocument.Statement[0], { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [REQUIRED.ApiTokenSecretArn, REQUIRED.WebhookSecretArn] }, 'the execution role reads those two secrets and no others');

  const withSecretUrl = controller(render(template, { ...REQUIRED, GitUrl: '', GitUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecs-gitops/git-url-AbCdEf' }));
  t.notOk('ECS_GITOPS_GIT_URL' in env(withSecretUrl), 'a URL with credentials is not plain environment');
  t.equal(secrets(withSecretUrl).ECS_GITOPS_GIT_URL, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecs-gitops/git-url-AbCdEf');
});

t.test('health check on /livez with node itself, and a stop timeout the graceful shutdown fits in', async (t) => {
  const c = controller(render(template, REQUIRED));
  const command = c.HealthCheck!.Command;
  t.equal(command[0], 'CMD', 'exec form: no shell needed');
  t.same(command.slice(1, 3), ['node', '-e']);
  t.match(command[3], /fetch\('http:\/\/127\.0\.0\.1:8080\/livez'\)/);

  // The same script the Dockerfile's HEALTHCHECK runs.
  const dockerfile = runtimeStage(parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8')));
  const docker = dockerfile.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
  t.same(JSON.parse(docker.args.slice(docker.args.indexOf('CMD') + 4)), command.slice(1), 'the image and the task definition check health the same way');

  const daemonGrace = parseDuration(env(c).ECS_GITOPS_STOP_TIMEOUT as string, 'stop') / 1000;
  const stop = template.Parameters.StopTimeout;
  t.equal(c.StopTimeout, stop.Default, 'stopTimeout comes from the StopTimeout parameter');
  t.ok(stop.MinValue! >= daemonGrace + 5, `ECS waits at least ${stop.MinValue} s, 5 s more than the daemon's ${daemonGrace} s`);
  t.ok(stop.MaxValue! <= 120, 'within what Fargate allows (120 s)');
  t.ok(Number(stop.Default) >= stop.MinValue! && Number(stop.Default) <= stop.MaxValue!);
});

t.test('logs go to the stack\'s log group', async (t) => {
  const rendered = render(template, { ...REQUIRED, CheckoutMode: 'git-sync' });
  t.equal(rendered.Resources.LogGroup.Type, 'AWS::Logs::LogGroup');
  for (const c of containers(rendered)) {
    t.equal(c.LogConfiguration?.LogDriver, 'awslogs', `${c.Name} logs to CloudWatch`);
    t.same(c.LogConfiguration?.Options['awslogs-group'], { Ref: 'LogGroup' });
  }
});

t.test('the git-sync variant: a sidecar keeps the checkout in a volume the controller reads', async (t) => {
  const poller = render(template, REQUIRED);
  t.same(containers(poller).map((c) => c.Name), ['ecs-gitops'], 'the poller variant runs the controller alone');
  t.same(poller.Resources.TaskDefinition.Properties.Volumes, []);

  const rendered = render(template, { ...REQUIRED, CheckoutMode: 'git-sync', ConfigPath: 'store' });
  const all = containers(rendered);
  t.same(all.map((c) => c.Name).sort(), ['ecs-gitops', 'git-clone', 'git-sync']);
  const c = controller(rendered);
  const clone = all.find((x) => x.Name === 'git-clone')!;
  const sync = all.find((x) => x.Name === 'git-sync')!;
  t.same(rendered.Resources.TaskDefinition.Properties.Volumes, [{ Name: 'checkout' }]);

  const mount = c.MountPoints!.find((m) => m.SourceVolume === 'checkout')!;
  t.equal(mount.ReadOnly, true, 'the controller only reads the checkout');
  const syncMount = sync.MountPoints!.find((m) => m.SourceVolume === 'checkout')!;
  const syncEnv = env(sync);
  t.equal(syncEnv.GITSYNC_ROOT, syncMount.ContainerPath, 'git-sync writes into the shared volume');
  t.equal(env(c).ECS_GITOPS_REPO, `${mount.ContainerPath}/${syncEnv.GITSYNC_LINK}`, 'the controller watches the link git-sync swaps');
  t.equal(env(c).ECS_GITOPS_PATH, 'store');
  t.notOk('ECS_GITOPS_GIT_URL' in env(c), 'no built-in poller next to git-sync');
  t.equal(syncEnv.GITSYNC_REPO, REQUIRED.GitUrl);
  t.equal(syncEnv.GITSYNC_REF, 'main');

  t.match(env(clone), { GITSYNC_ONE_TIME: 'true', GITSYNC_ROOT: syncEnv.GITSYNC_ROOT, GITSYNC_LINK: syncEnv.GITSYNC_LINK });
  t.equal(clone.Essential, false, 'the first clone is an init container');
  t.same(c.DependsOn, [{ ContainerName: 'git-clone', Condition: 'SUCCESS' }], 'the controller starts once the first checkout exists');
  t.equal(sync.Essential, true, 'a dead git-sync restarts the task instead of leaving the checkout stale');

  // The volume is created owned by the controller image's user, and git-sync runs as that uid.
  const dockerfile = runtimeStage(parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8')));
  const volume = dockerfile.instructions.find((i) => i.keyword === 'VOLUME');
  t.same(volume && JSON.parse(volume.args), [mount.ContainerPath], 'the image declares the mount path as a VOLUME (ECS copies its owner)');
  t.equal(dockerfile.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args, 'node');
  for (const g of [clone, sync]) t.equal((g as unknown as { User: string }).User, '1000:1000', `${g.Name} runs as node's uid`);
});

t.test('the controller is registered in Cloud Map under a DNS name Prometheus resolves', async (t) => {
  for (const existing of ['', 'ns-0123456789abcdef']) {
    const rendered = render(template, { ...REQUIRED, ExistingNamespaceId: existing });
    const service = rendered.Resources.Service.Properties as { ServiceRegistries: { RegistryArn: unknown }[] };
    t.same(service.ServiceRegistries, [{ RegistryArn: { 'Fn::GetAtt': ['DiscoveryService', 'Arn'] } }]);
    const discovery = rendered.Resources.DiscoveryService.Properties as { Name: string; NamespaceId: unknown; DnsConfig: { DnsRecords: { Type: string }[] } };
    t.equal(discovery.Name, 'ecs-gitops');
    t.same(discovery.DnsConfig.DnsRecords.map((r) => r.Type), ['A'], 'an A record per task (awsvpc)');
    if (existing) {
      t.equal(discovery.NamespaceId, existing, 'in the namespace given');
      t.notOk(rendered.Resources.Namespace, 'no namespace created');
    } else {
      t.same(discovery.NamespaceId, { Ref: 'Namespace' }, 'in the namespace the stack creates');
      t.equal(rendered.Resources.Namespace.Type, 'AWS::ServiceDiscovery::PrivateDnsNamespace');
    }
    t.same(rendered.Outputs.MetricsDnsName.Value, { 'Fn::Sub': 'ecs-gitops.${NamespaceName}' });
  }
  const prometheus = await readFile(join(ROOT, 'deploy/prometheus.yml'), 'utf8');
  t.match(prometheus, `ecs-gitops.${template.Parameters.NamespaceName.Default}`, 'prometheus.yml resolves that name with the default namespace');
});

t.test('an existing cluster or a new one', async (t) => {
  const created = render(template, REQUIRED);
  t.equal(created.Resources.Cluster.Type, 'AWS::ECS::Cluster');
  t.same((created.Resources.Service.Properties as { Cluster: unknown }).Cluster, { Ref: 'Cluster' });
  const existing = render(template, { ...REQUIRED, ClusterName: 'platform' });
  t.notOk(existing.Resources.Cluster, 'no cluster created');
  t.equal((existing.Resources.Service.Properties as { Cluster: unknown }).Cluster, 'platform');
});

t.test('a target role: TargetRoleArn and TargetExternalId become the controller\'s --role-arn and --external-id; unset, neither is there', async (t) => {
  const role = 'arn:aws:iam::210987654321:role/ecs-gitops-target';
  const targeted = env(controller(render(template, { ...REQUIRED, TargetRoleArns: [role], TargetRoleArn: role, TargetExternalId: 'acme-ecs' })));
  t.equal(targeted.ECS_GITOPS_ROLE_ARN, role);
  t.equal(targeted.ECS_GITOPS_EXTERNAL_ID, 'acme-ecs');
  const local = env(controller(render(template, REQUIRED)));
  t.notOk('ECS_GITOPS_ROLE_ARN' in local, 'no role by default: the task role works in its own account');
  t.notOk('ECS_GITOPS_EXTERNAL_ID' in local);
});
