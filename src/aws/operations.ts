/**
 * Runs an AWS call given as plain data (`service`, `operation`, `input`), as the plan's
 * `ApiCall`s are: an explicit table from operation name to the SDK's command class, one
 * entry per operation of `API_OPERATIONS`, and nothing else.
 */
import * as ecs from '@aws-sdk/client-ecs';
import * as sd from '@aws-sdk/client-servicediscovery';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { AwsClients, AwsService } from './clients.js';

/** What every SDK command class shares, as far as `send` needs it. */
type CommandClass = new (input: never) => unknown;

const ECS_COMMANDS: Readonly<Record<string, CommandClass>> = {
  DescribeClusters: ecs.DescribeClustersCommand,
  ListClusters: ecs.ListClustersCommand,
  CreateCluster: ecs.CreateClusterCommand,
  UpdateCluster: ecs.UpdateClusterCommand,
  PutClusterCapacityProviders: ecs.PutClusterCapacityProvidersCommand,
  DeleteCluster: ecs.DeleteClusterCommand,
  RegisterTaskDefinition: ecs.RegisterTaskDefinitionCommand,
  DeregisterTaskDefinition: ecs.DeregisterTaskDefinitionCommand,
  DescribeTaskDefinition: ecs.DescribeTaskDefinitionCommand,
  ListTaskDefinitions: ecs.ListTaskDefinitionsCommand,
  ListTaskDefinitionFamilies: ecs.ListTaskDefinitionFamiliesCommand,
  CreateService: ecs.CreateServiceCommand,
  UpdateService: ecs.UpdateServiceCommand,
  DeleteService: ecs.DeleteServiceCommand,
  DescribeServices: ecs.DescribeServicesCommand,
  ListServices: ecs.ListServicesCommand,
  ListServiceDeployments: ecs.ListServiceDeploymentsCommand,
  DescribeServiceDeployments: ecs.DescribeServiceDeploymentsCommand,
  DescribeServiceRevisions: ecs.DescribeServiceRevisionsCommand,
  TagResource: ecs.TagResourceCommand,
  UntagResource: ecs.UntagResourceCommand,
  ListTagsForResource: ecs.ListTagsForResourceCommand,
};

const CLOUD_MAP_COMMANDS: Readonly<Record<string, CommandClass>> = {
  CreateHttpNamespace: sd.CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespace: sd.CreatePrivateDnsNamespaceCommand,
  CreatePublicDnsNamespace: sd.CreatePublicDnsNamespaceCommand,
  UpdateHttpNamespace: sd.UpdateHttpNamespaceCommand,
  UpdatePrivateDnsNamespace: sd.UpdatePrivateDnsNamespaceCommand,
  UpdatePublicDnsNamespace: sd.UpdatePublicDnsNamespaceCommand,
  GetNamespace: sd.GetNamespaceCommand,
  ListNamespaces: sd.ListNamespacesCommand,
  DeleteNamespace: sd.DeleteNamespaceCommand,
  GetOperation: sd.GetOperationCommand,
  CreateService: sd.CreateServiceCommand,
  GetService: sd.GetServiceCommand,
  ListServices: sd.ListServicesCommand,
  UpdateService: sd.UpdateServiceCommand,
  DeleteService: sd.DeleteServiceCommand,
  RegisterInstance: sd.RegisterInstanceCommand,
  DeregisterInstance: sd.DeregisterInstanceCommand,
  ListInstances: sd.ListInstancesCommand,
  TagResource: sd.TagResourceCommand,
  UntagResource: sd.UntagResourceCommand,
  ListTagsForResource: sd.ListTagsForResourceCommand,
};

export const COMMANDS: Readonly<Record<AwsService, Readonly<Record<string, CommandClass>>>> = {
  ecs: ECS_COMMANDS,
  servicediscovery: CLOUD_MAP_COMMANDS,
  tagging: { GetResources: GetResourcesCommand },
};

/** An operation the product does not call (not in `API_OPERATIONS`). */
export class UnsupportedOperationError extends Error {
  override readonly name = 'UnsupportedOperation';
}

export interface SendOptions {
  abortSignal?: AbortSignal;
}

/** Sends `operation` with `input` through the matching client; the answer without its `$metadata`. */
export async function send(
  clients: AwsClients,
  service: AwsService,
  operation: string,
  input: Record<string, unknown>,
  options: SendOptions = {},
): Promise<Record<string, unknown>> {
  const table = COMMANDS[service];
  if (!table) throw new UnsupportedOperationError(`unknown AWS service "${String(service)}" (expected ecs, servicediscovery or tagging)`);
  const Command = Object.hasOwn(table, operation) ? table[operation] : undefined;
  if (!Command) throw new UnsupportedOperationError(`${service}:${operation} is not an operation ecs-gitops calls (see API_OPERATIONS in src/aws/clients.ts)`);
  const command = new Command(input as never);
  const client = service === 'ecs' ? clients.ecs : service === 'tagging' ? clients.tagging : clients.cloudMap;
  // The clients' `send` is typed per command; the table guarantees the pairing.
  const answer = (await (client.send as (c: unknown, o: SendOptions) => Promise<Record<string, unknown>>).call(client, command, options)) ?? {};
  const { $metadata: _metadata, ...rest } = answer;
  return rest;
}
