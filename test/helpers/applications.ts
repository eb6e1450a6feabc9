// Small config repositories, one per application, and a controller configuration that
// lists them: for end-to-end tests of one daemon reconciling several applications.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRepo, type GitRepo } from './daemon.js';
import { serviceDocuments } from './fleet.js';

/** The image an application's service runs at `tag`. */
export const imageOf = (app: string, tag: string) => `public.ecr.aws/acme/${app}:${tag}`;

/**
 * An application's documents: a cluster named after it and one service `<app>-web` on
 * Fargate (fleet.ts's), with the deployment circuit breaker on, so a failing image rolls
 * back and the service is Degraded.
 */
export function applicationDocuments(app: string, tag: string, desiredCount: number | string = 1): string {
  const cluster = `apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata: {name: ${app}}\nspec: {}\n`;
  const service = serviceDocuments({ name: `${app}-web`, image: imageOf(app, tag), cluster: app })
    .replace('  desiredCount: 1\n', `  desiredCount: ${desiredCount}\n`)
    .replace('  launchType: FARGATE\n', '  launchType: FARGATE\n  deploymentConfiguration:\n    deploymentCircuitBreaker: {enable: true, rollback: true}\n');
  return `${cluster}---\n${service}`;
}

export interface ApplicationRepo extends GitRepo {
  name: string;
  /** Rewrites config/app.yaml and commits it; returns the new HEAD. */
  write(tag: string, desiredCount?: number | string): string;
}

/** A git repository at `<dir>/<app>` whose config/app.yaml holds the application's documents at image `tag`, committed. */
export function applicationRepo(dir: string, app: string, tag = '1.0.0'): ApplicationRepo {
  const root = join(dir, app);
  mkdirSync(join(root, 'config'), { recursive: true });
  const repo = openRepo(root);
  repo.git('init', '-q');
  const write = (tag: string, desiredCount: number | string = 1) => {
    writeFileSync(join(root, 'config', 'app.yaml'), applicationDocuments(app, tag, desiredCount));
    return repo.commit(`${app} ${tag}`);
  };
  write(tag);
  return { ...repo, name: app, write };
}

/** Writes `<dir>/controller.yaml` listing the repositories as applications (named as the repositories, tagged `acme-<name>`), each with `target`. */
export function controllerConfig(dir: string, repos: { name: string; dir: string; target?: Record<string, string> }[]): string {
  const file = join(dir, 'controller.yaml');
  const applications = repos.map(
    (r) => `  - name: ${r.name}\n    application: acme-${r.name}\n    source: {repo: ${JSON.stringify(r.dir)}, path: config}\n${r.target ? `    target: ${JSON.stringify(r.target)}\n` : ''}    resync: 2s\n`,
  );
  writeFileSync(file, `apiVersion: ecs-gitops.io/v1alpha1\nkind: ControllerConfig\napplications:\n${applications.join('')}`);
  return file;
}
