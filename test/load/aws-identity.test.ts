// Two documents that name one AWS object are refused (issue 12, item 2): they passed
// `validate` and then overwrote each other on every pass. The finding names both files
// and lines; names that are unique only within a container (a service within its
// cluster, a Cloud Map service within its namespace, an instance within its service)
// may repeat across containers.
import t from 'tap';
import { loadConfig, type Finding } from '../../src/load/index.js';
import { cluster, service, taskDefinition } from './docs.js';

const doc = (kind: string, name: string, spec: string) => `apiVersion: ecs-gitops.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const namespace = (name: string, extra = '') => doc('CloudMapNamespace', name, `  type: HTTP\n${extra}`);
const cloudMapService = (name: string, ns: string, extra = '') => doc('CloudMapService', name, `  namespace: ${ns}\n${extra}`);
const instance = (name: string, svc: string, extra = '') => doc('CloudMapInstance', name, `  service: ${svc}\n${extra}  attributes:\n    host: a.example.com\n`);
/** One more line in a document's spec. */
const withSpec = (text: string, line: string) => text.replace('\nspec:\n', `\nspec:\n  ${line}\n`);

const ecsBase = { 'c.yaml': cluster(), 't.yaml': taskDefinition() };
const cloudMapBase = { 'ns.yaml': namespace('ns'), 'svc.yaml': cloudMapService('svc', 'ns') };

interface Case {
  name: string;
  files: Record<string, string>;
  /** The refused document: file, line and field. */
  want?: { file: string; line: number; field: string; first: RegExp; message: RegExp };
}

const cases: Case[] = [
  {
    name: "a Service whose serviceName is another Service's name, in the same cluster",
    files: { ...ecsBase, 'a.yaml': service('web'), 'b.yaml': withSpec(service('web-v2'), 'serviceName: web') },
    want: { file: 'b.yaml', line: 6, field: 'spec.serviceName', first: /a\.yaml:4:9/, message: /Service "web" in Cluster "store" is already the AWS object of Service\/web/ },
  },
  {
    name: 'two Services with one serviceName in the same cluster',
    files: { ...ecsBase, 'a.yaml': withSpec(service('a'), 'serviceName: web'), 'b.yaml': withSpec(service('b'), 'serviceName: web') },
    want: { file: 'b.yaml', line: 6, field: 'spec.serviceName', first: /a\.yaml:6:16/, message: /Service "web" in Cluster "store"/ },
  },
  {
    name: 'two Services in two Cluster documents with one clusterName',
    files: { ...ecsBase, 'c2.yaml': withSpec(cluster('store-2'), 'clusterName: store'), 'a.yaml': service('web'), 'b.yaml': service('web-2', { cluster: 'store-2' }).replace('\nspec:\n', '\nspec:\n  serviceName: web\n') },
    want: { file: 'b.yaml', line: 6, field: 'spec.serviceName', first: /a\.yaml:4:9/, message: /Service "web" in Cluster "store"/ },
  },
  {
    name: 'two TaskDefinitions with one family',
    files: { ...ecsBase, 'u.yaml': withSpec(taskDefinition('web-next'), 'family: web') },
    want: { file: 'u.yaml', line: 6, field: 'spec.family', first: /t\.yaml:4:9/, message: /TaskDefinition "web" is already the AWS object of TaskDefinition\/web/ },
  },
  {
    name: 'two Clusters with one clusterName',
    files: { 'a.yaml': withSpec(cluster('one'), 'clusterName: shop'), 'b.yaml': withSpec(cluster('two'), 'clusterName: shop') },
    want: { file: 'b.yaml', line: 6, field: 'spec.clusterName', first: /a\.yaml:6:16/, message: /Cluster "shop" is already the AWS object of Cluster\/one/ },
  },
  {
    name: 'two namespaces with one name',
    files: { 'a.yaml': namespace('store.local'), 'b.yaml': namespace('internal', '  name: store.local\n') },
    want: { file: 'b.yaml', line: 7, field: 'spec.name', first: /a\.yaml:4:9/, message: /CloudMapNamespace "store\.local" is already the AWS object of CloudMapNamespace\/store\.local/ },
  },
  {
    name: 'two Cloud Map services with one name in one namespace',
    files: { ...cloudMapBase, 'z.yaml': cloudMapService('other', 'ns', '  name: svc\n') },
    want: { file: 'z.yaml', line: 7, field: 'spec.name', first: /svc\.yaml:4:9/, message: /CloudMapService "svc" in CloudMapNamespace "ns"/ },
  },
  {
    name: 'two instances with one instanceId in one Cloud Map service',
    files: { ...cloudMapBase, 'a.yaml': instance('primary', 'svc', '  instanceId: i-1\n'), 'b.yaml': instance('secondary', 'svc', '  instanceId: i-1\n') },
    want: { file: 'b.yaml', line: 7, field: 'spec.instanceId', first: /a\.yaml:7:15/, message: /CloudMapInstance "i-1" in CloudMapService "svc" in CloudMapNamespace "ns"/ },
  },
  // Unique within their container only: these are fine.
  {
    name: 'one serviceName in two clusters',
    files: { ...ecsBase, 'c2.yaml': cluster('edge'), 'a.yaml': service('web'), 'b.yaml': withSpec(service('web-edge', { cluster: 'edge' }), 'serviceName: web') },
  },
  {
    name: 'one Cloud Map service name in two namespaces',
    files: { ...cloudMapBase, 'ns2.yaml': namespace('ns2'), 'b.yaml': cloudMapService('svc-2', 'ns2', '  name: svc\n') },
  },
  {
    name: 'one instanceId in two Cloud Map services',
    files: { ...cloudMapBase, 'svc2.yaml': cloudMapService('svc2', 'ns'), 'a.yaml': instance('a', 'svc', '  instanceId: i-1\n'), 'b.yaml': instance('b', 'svc2', '  instanceId: i-1\n') },
  },
  {
    name: "a Service named like a TaskDefinition's family (different kinds of object)",
    files: { ...ecsBase, 'a.yaml': service('web') },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = t.testdir(c.files);
    const result = await loadConfig(dir);
    const errors: Finding[] = result.ok ? [] : result.errors;
    if (!c.want) {
      t.same(errors, [], 'valid');
      return;
    }
    t.match(errors, [{ code: 'DUPLICATE_AWS_NAME', severity: 'error', file: `${dir}/${c.want.file}`, line: c.want.line, field: c.want.field, message: c.want.message }], 'one error, on the later document');
    t.match(errors[0]?.message, c.want.first, 'naming the first document with its file and line');
  });
}
