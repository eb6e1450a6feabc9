// Config repositories for end-to-end tests: a copy of examples/ in a temporary
// directory, optionally with the example VPC, subnet and security-group ids replaced by
// real ones (moto checks network configuration against its own EC2).
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Copies examples/ into `dir` and rewrites ids with `replace` (old → new). */
export function copyExamples(dir: string, replace: Record<string, string> = {}): string {
  cpSync('examples', dir, { recursive: true });
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) {
        let text = readFileSync(path, 'utf8');
        for (const [from, to] of Object.entries(replace)) text = text.split(from).join(to);
        writeFileSync(path, text);
      }
    }
  };
  walk(dir);
  return dir;
}

/**
 * One EC2 Query API call to moto (form-encoded, XML answer) through fetch: the network is
 * set-up, not what a test checks, so it costs no AWS CLI process. moto reads the service
 * from the credential scope and does not check the signature.
 */
async function ec2(endpoint: string, action: string, params: Record<string, string>, field: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: action, Version: '2016-11-15', ...params }).toString(),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  const value = new RegExp(`<${field}>([^<]+)</${field}>`).exec(text)?.[1];
  if (!res.ok || !value) throw new Error(`moto EC2 ${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return value;
}

/** The network ids the examples use, created in moto's EC2; returns old id → new id. */
export async function motoNetwork(endpoint: string): Promise<Record<string, string>> {
  const vpc = await ec2(endpoint, 'CreateVpc', { CidrBlock: '10.0.0.0/16' }, 'vpcId');
  const ids: Record<string, string> = { 'vpc-0a1b2c3d4e5f67890': vpc };
  const subnets = ['subnet-0aa1b2c3d4e5f6071', 'subnet-0bb1b2c3d4e5f6072', 'subnet-0cc1b2c3d4e5f6073'];
  for (const [i, old] of subnets.entries()) ids[old] = await ec2(endpoint, 'CreateSubnet', { VpcId: vpc, CidrBlock: `10.0.${i}.0/24` }, 'subnetId');
  for (const [i, old] of ['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002'].entries()) {
    ids[old] = await ec2(endpoint, 'CreateSecurityGroup', { GroupName: `store-${i}`, GroupDescription: 'store', VpcId: vpc }, 'groupId');
  }
  return ids;
}

/**
 * Removes Service fields moto does not store (it answers without them, which would be a
 * difference only moto makes): the divergence is listed in the README, and what AWS
 * does with them is asserted on the simulator.
 */
export const MOTO_UNSTORED_SERVICE_FIELDS = [
  ['enableECSManagedTags'], ['healthCheckGracePeriodSeconds'], ['deploymentConfiguration', 'deploymentCircuitBreaker'],
  ['serviceConnectConfiguration'], ['volumeConfigurations'],
];

/** Without the Service's volume configuration (moto keeps none), a volume stays an ordinary task volume. */
function withoutLaunchVolumes(doc: ReturnType<typeof parseAllDocuments>[number]): void {
  const volumes = doc.getIn(['spec', 'volumes']) as { items?: unknown[] } | undefined;
  (volumes?.items ?? []).forEach((_v, i) => {
    if (doc.hasIn(['spec', 'volumes', i, 'configuredAtLaunch'])) doc.deleteIn(['spec', 'volumes', i, 'configuredAtLaunch']);
  });
}

export function withoutMotoGaps(dir: string): string {
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) {
        const docs = parseAllDocuments(readFileSync(path, 'utf8'));
        for (const doc of docs) {
          if (doc.get('kind') === 'TaskDefinition') withoutLaunchVolumes(doc);
          if (doc.get('kind') !== 'Service') continue;
          for (const field of MOTO_UNSTORED_SERVICE_FIELDS) if (doc.hasIn(['spec', ...field])) doc.deleteIn(['spec', ...field]);
        }
        writeFileSync(path, docs.map((d) => d.toString()).join(''));
      }
    }
  };
  walk(dir);
  return dir;
}
