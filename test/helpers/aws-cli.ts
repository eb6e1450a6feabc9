// Runs the AWS CLI (`aws`) against an endpoint, without a shell, and parses its JSON.
//
//   const out = await awsCli(endpoint, ['ecs', 'list-clusters']);
//
// Credentials and region are dummies unless given; `--output json` is always added.
import { execFile } from 'node:child_process';

export interface AwsCliOptions {
  region?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export class AwsCliError extends Error {
  constructor(message: string, readonly code: number | null, readonly stderr: string) {
    super(message);
  }
}

export function awsCli(endpoint: string, args: string[], opts: AwsCliOptions = {}): Promise<unknown> {
  const region = opts.region ?? 'us-east-1';
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, '--region', region, '--output', 'json', ...args],
      {
        timeout: opts.timeoutMs ?? 120_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_DEFAULT_REGION: region,
          AWS_PAGER: '',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          ...opts.env,
        },
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
          reject(new AwsCliError(`aws ${args.join(' ')} failed: ${stderr || err.message}`, code, String(stderr)));
          return;
        }
        const text = String(stdout).trim();
        try {
          resolve(text === '' ? {} : JSON.parse(text));
        } catch {
          reject(new AwsCliError(`aws ${args.join(' ')} printed non-JSON: ${text.slice(0, 200)}`, 0, String(stderr)));
        }
      },
    );
  });
}

/** Whether `aws` is on PATH. */
export function awsCliAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('aws', ['--version'], { timeout: 60_000 }, (err) => resolve(!err));
  });
}
