// `ecs-gitops sim`: runs the simulator on its own port until SIGINT/SIGTERM. Its flags
// are declared here, in the shape of the controller's option tables, and parsed by the
// controller's command line (src/commands/sim.ts): the simulator imports nothing of it.
import { startSimulator } from './index.js';

// The simulator's own settings read ECS_GITOPS_SIM_*, so they do not collide with the
// daemon's (`--port` here is not the daemon's `--listen`).
export const SIM_OPTIONS = {
  port: { type: 'string', placeholder: 'N', default: '4599', env: 'ECS_GITOPS_SIM_PORT', description: 'port to listen on (0: any free port)' },
  host: { type: 'string', placeholder: 'H', default: '127.0.0.1', env: 'ECS_GITOPS_SIM_HOST', description: 'address to listen on' },
  region: { type: 'string', placeholder: 'R', default: 'AWS_REGION, else us-east-1', description: 'the region it answers for' },
  account: { type: 'string', placeholder: 'ID', default: '123456789012', env: 'ECS_GITOPS_SIM_ACCOUNT', description: 'the 12-digit account id in its ARNs' },
  'state-file': { type: 'string', placeholder: 'F', env: 'ECS_GITOPS_SIM_STATE_FILE', description: 'keep its state in this file across restarts' },
  throttle: { type: 'boolean', env: 'ECS_GITOPS_SIM_THROTTLE', description: "throttle calls at AWS's published rates" },
  'rate-scale': { type: 'string', placeholder: 'X', default: '1', env: 'ECS_GITOPS_SIM_RATE_SCALE', description: 'multiply those rates by X' },
} as const;

/** The flags as parsed: strings, booleans, or absent. */
export type SimFlags = Partial<Record<keyof typeof SIM_OPTIONS, string | boolean>>;

export interface SimCommandIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the command should stop; default: the first SIGINT or SIGTERM. */
  until?: Promise<unknown>;
  /** Called with the endpoint once listening (tests use it). */
  onListening?: (endpoint: string) => void;
}

function defaultUntil(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export async function runSimulator(flags: SimFlags, io: SimCommandIO): Promise<number> {
  const values = {
    port: (flags.port as string | undefined) ?? '4599',
    host: (flags.host as string | undefined) ?? '127.0.0.1',
    region: (flags.region as string | undefined) ?? process.env.AWS_REGION ?? 'us-east-1',
    account: (flags.account as string | undefined) ?? '123456789012',
    'state-file': flags['state-file'] as string | undefined,
    throttle: flags.throttle === true,
    'rate-scale': (flags['rate-scale'] as string | undefined) ?? '1',
  };
  const port = Number(values.port);
  const rateScale = Number(values['rate-scale']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`ecs-gitops sim: --port must be an integer 0–65535, got ${values.port}`);
    return 2;
  }
  if (!Number.isFinite(rateScale) || rateScale <= 0) {
    io.err(`ecs-gitops sim: --rate-scale must be a positive number, got ${values['rate-scale']}`);
    return 2;
  }
  if (!/^\d{12}$/.test(values.account ?? '')) {
    io.err(`ecs-gitops sim: --account must be 12 digits, got ${values.account}`);
    return 2;
  }
  let sim;
  try {
    sim = await startSimulator({
      port,
      host: values.host,
      region: values.region,
      accountId: values.account,
      throttle: values.throttle,
      rateScale,
      ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    });
  } catch (err) {
    io.err(`ecs-gitops sim: cannot start: ${(err as Error).message}`);
    return 1;
  }
  io.out(`ECS and Cloud Map simulator listening on ${sim.endpoint} (region ${sim.region}, account ${sim.accountId})`);
  io.out(`  aws --endpoint-url ${sim.endpoint} ecs list-clusters`);
  io.out(`  aws --endpoint-url ${sim.endpoint} servicediscovery list-namespaces`);
  io.out('  (any AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are accepted; admin API under /_sim/)');
  io.onListening?.(sim.endpoint);
  await (io.until ?? defaultUntil());
  await sim.close();
  io.out('simulator stopped');
  return 0;
}
