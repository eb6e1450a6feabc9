// `ecs-gitops sim`: runs the simulator on its own port until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startSimulator } from './index.js';

const USAGE = `usage: ecs-gitops sim [--port N] [--host H] [--region R] [--account ID] [--state-file PATH]
                      [--throttle] [--rate-scale X]

Runs the embedded ECS and Cloud Map simulator (AWS JSON 1.1) until interrupted.`;

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

export async function simCommand(argv: string[], io: SimCommandIO = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: process.env.ECS_GITOPS_SIM_PORT ?? '4599' },
        host: { type: 'string', default: process.env.ECS_GITOPS_SIM_HOST ?? '127.0.0.1' },
        region: { type: 'string', default: process.env.ECS_GITOPS_REGION ?? process.env.AWS_REGION ?? 'us-east-1' },
        account: { type: 'string', default: process.env.ECS_GITOPS_SIM_ACCOUNT ?? '123456789012' },
        'state-file': { type: 'string', default: process.env.ECS_GITOPS_SIM_STATE_FILE },
        throttle: { type: 'boolean', default: process.env.ECS_GITOPS_SIM_THROTTLE === 'true' },
        'rate-scale': { type: 'string', default: process.env.ECS_GITOPS_SIM_RATE_SCALE ?? '1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    io.err(`ecs-gitops sim: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
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
