// Benchmark: CPU the simulator spends answering DescribeServices for 10 services, so it
// never dominates the controller's benchmarks. Run after `npm run build`:
//   node dist/sim/bench.js [iterations]
// Reports (a) the simulator's own CPU per call, through the in-process handler that the
// HTTP server calls, and (b) the whole process's CPU per call through the real SDK client
// over HTTP (SDK + HTTP + simulator, an upper bound).
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { pathToFileURL } from 'node:url';
import { ManualClock } from './clock.js';
import { ECS_TARGET_PREFIX } from './engine.js';
import { startSimulator } from './index.js';

export interface BenchResult {
  iterations: number;
  services: number;
  /** Simulator CPU per DescribeServices(10), in microseconds (in-process handler). */
  handlerCpuMicros: number;
  /** Process CPU per DescribeServices(10) through the SDK over HTTP, in microseconds. */
  sdkCpuMicros: number;
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export async function benchDescribeServices(iterations = 5000, serviceCount = 100): Promise<BenchResult> {
  const clock = new ManualClock();
  const sim = await startSimulator({ clock });
  const ecs = new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: 'bench' }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'web',
      networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 256, portMappings: [{ containerPort: 80 }], environment: [{ name: 'A', value: '1' }] }],
    }));
    for (let i = 0; i < serviceCount; i++) {
      await ecs.send(new CreateServiceCommand({
        cluster: 'bench', serviceName: `svc-${i}`, taskDefinition: 'web', desiredCount: 3,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'] } },
        tags: [{ key: 'ecs-gitops.io/owner', value: 'bench' }],
      }));
    }
    clock.advance(60_000);
    const names = (k: number): string[] => Array.from({ length: 10 }, (_, j) => `svc-${(k * 10 + j) % serviceCount}`);
    const bodies = Array.from({ length: serviceCount / 10 }, (_, k) => JSON.stringify({ cluster: 'bench', services: names(k), include: ['TAGS'] }));
    const target = `${ECS_TARGET_PREFIX}.DescribeServices`;

    for (let i = 0; i < 500; i++) sim.invoke(target, bodies[i % bodies.length]); // warm-up
    const h0 = cpuMicros();
    for (let i = 0; i < iterations; i++) {
      const r = sim.invoke(target, bodies[i % bodies.length]);
      if (r.status !== 200) throw new Error(`unexpected status ${r.status}`);
      JSON.stringify(r.body); // the server serialises every answer
    }
    const handlerCpuMicros = (cpuMicros() - h0) / iterations;

    const sdkIterations = Math.max(200, Math.floor(iterations / 5));
    for (let i = 0; i < 100; i++) await ecs.send(new DescribeServicesCommand({ cluster: 'bench', services: names(i) }));
    const s0 = cpuMicros();
    for (let i = 0; i < sdkIterations; i++) {
      const out = await ecs.send(new DescribeServicesCommand({ cluster: 'bench', services: names(i), include: ['TAGS'] }));
      if (out.services?.length !== 10) throw new Error('expected 10 services');
    }
    const sdkCpuMicros = (cpuMicros() - s0) / sdkIterations;
    return { iterations, services: serviceCount, handlerCpuMicros, sdkCpuMicros };
  } finally {
    ecs.destroy();
    await sim.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = Number(process.argv[2] ?? 5000);
  const r = await benchDescribeServices(iterations);
  console.log(`DescribeServices(10 of ${r.services} services, include TAGS), ${r.iterations} iterations`);
  console.log(`  simulator CPU per call (in-process handler): ${r.handlerCpuMicros.toFixed(1)} µs`);
  console.log(`  process CPU per call via SDK over HTTP (SDK + HTTP + simulator): ${r.sdkCpuMicros.toFixed(1)} µs`);
}
