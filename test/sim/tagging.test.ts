// The simulator's Resource Groups Tagging API (src/sim/README.md §5a): GetResources over
// Cloud Map namespaces and services with AWS's filters, pages of at most 100, tokens that
// expire, throttling, and the deniedOperations fault.
import t from 'tap';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, type GetResourcesCommandInput } from '@aws-sdk/client-resource-groups-tagging-api';
import { CreateHttpNamespaceCommand, CreateServiceCommand, ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { clientConfig, errorOf, harness } from './fixtures.js';

async function estate(t: Parameters<typeof harness>[0], services: number, opts: Parameters<typeof harness>[1] = {}) {
  const h = await harness(t, opts);
  const tagging = new ResourceGroupsTaggingAPIClient(clientConfig(h.sim.endpoint));
  t.teardown(() => tagging.destroy());
  await h.sd.send(new CreateHttpNamespaceCommand({ Name: 'shop', Tags: [{ Key: 'owner', Value: 'gitops' }] }));
  h.clock.advance(10_000);
  const namespaceId = (await h.sd.send(new ListNamespacesCommand({}))).Namespaces![0].Id!;
  for (let i = 0; i < services; i++) {
    const tags = i % 3 === 0 ? [] : [{ Key: 'owner', Value: i % 3 === 1 ? 'gitops' : 'someone-else' }, { Key: 'team', Value: `t${i % 2}` }];
    await h.sd.send(new CreateServiceCommand({ Name: `s${i}`, NamespaceId: namespaceId, Tags: tags }));
  }
  return { ...h, tagging };
}

t.test('filters: resource types, a key with any value, values as alternatives, several filters all at once; untagged objects never', async (t) => {
  const h = await estate(t, 9);
  const arns = async (input: GetResourcesCommandInput) => (await h.tagging.send(new GetResourcesCommand(input))).ResourceTagMappingList!.map((m) => m.ResourceARN!.replace(/.*:/, ''));
  t.equal((await arns({})).length, 1 + 6, 'no filter: every tagged namespace and service');
  t.equal((await arns({ ResourceTypeFilters: ['servicediscovery:namespace'] })).length, 1, 'namespaces only');
  t.equal((await arns({ ResourceTypeFilters: ['servicediscovery:service'], TagFilters: [{ Key: 'owner' }] })).length, 6, 'services with the key, any value');
  t.equal((await arns({ ResourceTypeFilters: ['servicediscovery'], TagFilters: [{ Key: 'owner', Values: ['gitops'] }] })).length, 1 + 3, '`servicediscovery` is both types');
  t.equal((await arns({ TagFilters: [{ Key: 'owner', Values: ['gitops', 'someone-else'] }, { Key: 'team', Values: ['t1'] }] })).length, 3, 'AND across filters, OR across values');
  t.same(await arns({ ResourceTypeFilters: ['ecs:service'] }), [], 'a type the simulator holds none of');
  const [first] = (await h.tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['servicediscovery:namespace'] }))).ResourceTagMappingList!;
  t.same(first.Tags, [{ Key: 'owner', Value: 'gitops' }], 'every tag of the resource comes back');
});

t.test('pages of at most 100, each resource once, an empty token on the last page; a token expires after 15 minutes', async (t) => {
  const h = await estate(t, 240);
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await h.tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'owner' }], ResourcesPerPage: 100, ...(token ? { PaginationToken: token } : {}) }));
    pages++;
    t.ok(page.ResourceTagMappingList!.length <= 100, 'at most 100 a page');
    seen.push(...page.ResourceTagMappingList!.map((m) => m.ResourceARN!));
    token = page.PaginationToken;
  } while (token);
  t.equal(token, '', 'the last page carries an empty token');
  t.equal(pages, 2, '161 resources: two pages');
  t.equal(new Set(seen).size, 161, 'the namespace and 160 tagged services, each once');

  const first = await h.tagging.send(new GetResourcesCommand({ ResourcesPerPage: 50 }));
  h.clock.advance(15 * 60_000 + 1);
  t.equal((await errorOf(() => h.tagging.send(new GetResourcesCommand({ ResourcesPerPage: 50, PaginationToken: first.PaginationToken! })))).name, 'PaginationTokenExpiredException', 'a token older than 15 minutes');
  t.equal((await errorOf(() => h.tagging.send(new GetResourcesCommand({ PaginationToken: 'not-a-token' })))).name, 'InvalidParameterException', 'a token the API did not give');
  for (const ResourcesPerPage of [0, 101]) t.equal((await errorOf(() => h.tagging.send(new GetResourcesCommand({ ResourcesPerPage })))).name, 'InvalidParameterException', `ResourcesPerPage ${ResourcesPerPage} is refused`);
});

t.test('throttling answers ThrottledException; deniedOperations answers AccessDeniedException naming tag:GetResources', async (t) => {
  const h = await estate(t, 1, { throttle: true });
  let throttled: Error | undefined;
  for (let i = 0; i < 20 && !throttled; i++) throttled = await h.tagging.send(new GetResourcesCommand({})).then(() => undefined, (e: Error) => e);
  t.equal(throttled?.name, 'ThrottledException', 'an empty bucket');

  h.sim.faults.set({ throttle: false, deniedOperations: ['GetResources'] });
  const denied = await errorOf(() => h.tagging.send(new GetResourcesCommand({})));
  t.equal(denied.name, 'AccessDeniedException', 'denied by name');
  t.match(denied.message, /not authorized to perform: tag:GetResources/, 'the message names the IAM action');
  t.ok(await h.sd.send(new ListNamespacesCommand({})), 'other operations are still allowed');
  h.sim.faults.set({ deniedOperations: ['servicediscovery:ListNamespaces'] });
  t.equal((await errorOf(() => h.sd.send(new ListNamespacesCommand({})))).name, 'AccessDeniedException', 'one service\'s operation by its IAM action');
});
