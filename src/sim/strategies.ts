// The traffic-shifting strategies of the ECS deployment controller (BLUE_GREEN, LINEAR,
// CANARY), as the API reference describes them: the new revision (green) is scaled up
// beside the old one (blue), production traffic moves to it at once, in equal steps or
// as a canary and the rest, both run through the bake time, then blue is stopped. A
// deployment walks the documented lifecycle stages; lifecycle hooks run as it enters a
// stage they name (not per traffic step: see src/sim/README.md), and a failing hook (or the circuit breaker while green scales up) rolls the
// deployment back: traffic stays on or returns to blue, which never stopped.
import type { SimContext } from './context.js';
import type { DeploymentState, ServiceState } from './state.js';
import { wireTime } from './state.js';

export const SHIFTING_STRATEGIES: ReadonlySet<string> = new Set(['BLUE_GREEN', 'LINEAR', 'CANARY']);

/** The service deployment lifecycle, in order (ServiceDeploymentLifecycleStage). */
const STAGES = [
  'RECONCILE_SERVICE', 'PRE_SCALE_UP', 'SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP',
] as const;
export type LifecycleStage = (typeof STAGES)[number];

/** Stages a lifecycle hook may name (DeploymentLifecycleHookStage). */
const HOOK_STAGES: ReadonlySet<string> = new Set([
  'RECONCILE_SERVICE', 'PRE_SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT',
]);

const MINUTE = 60_000;

export interface LifecycleHook {
  targetType?: string;
  hookTargetArn?: string;
  lifecycleStages?: string[];
  timeoutConfiguration?: { timeoutInMinutes?: number; action?: string };
}

/** A hook running at the current stage (DeploymentLifecycleHookDetail). */
export interface HookRun {
  hookId: string;
  targetType: string;
  targetArn?: string;
  status: 'IN_PROGRESS' | 'AWAITING_ACTION' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** When a Lambda hook answers. */
  answersAt?: number;
  expiresAt: number;
  timeoutAction: 'CONTINUE' | 'ROLLBACK';
}

/** What a shifting deployment adds to DeploymentState. */
export interface Shift {
  strategy: string;
  stage: LifecycleStage;
  /** Percent of production traffic on the new revision. */
  traffic: number;
  /** When the current stage (or step of it) may move on. */
  dueAt?: number;
  hooks: HookRun[];
}

interface StrategyConfig {
  strategy?: string;
  bakeTimeInMinutes?: number;
  lifecycleHooks?: LifecycleHook[];
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
}

/** Checks a deployment configuration's strategy settings as CreateService/UpdateService do. */
export function strategyProblem(deploymentConfiguration: object): string | undefined {
  const config = deploymentConfiguration as StrategyConfig;
  const strategy = config.strategy ?? 'ROLLING';
  if (!['ROLLING', ...SHIFTING_STRATEGIES].includes(strategy)) return `Invalid deployment strategy ${strategy}.`;
  if (strategy === 'BLUE_GREEN' && config.bakeTimeInMinutes === undefined) return 'bakeTimeInMinutes must be specified for the BLUE_GREEN deployment strategy.';
  if (config.linearConfiguration && strategy !== 'LINEAR') return 'linearConfiguration is only valid with the LINEAR deployment strategy.';
  if (config.canaryConfiguration && strategy !== 'CANARY') return 'canaryConfiguration is only valid with the CANARY deployment strategy.';
  for (const hook of config.lifecycleHooks ?? []) {
    const stages = hook.lifecycleStages ?? [];
    if (stages.length === 0 || stages.some((s) => !HOOK_STAGES.has(s))) return `Invalid lifecycle stages ${JSON.stringify(stages)} for a deployment lifecycle hook.`;
    if ((hook.targetType ?? 'AWS_LAMBDA') === 'AWS_LAMBDA' && !hook.hookTargetArn) return 'hookTargetArn is required for an AWS_LAMBDA lifecycle hook.';
  }
  return undefined;
}

/** A new deployment shifts traffic when its strategy does and something runs to shift from. */
export function startShift(svc: ServiceState, previous: DeploymentState[]): Shift | undefined {
  const config = svc.deploymentConfiguration as StrategyConfig;
  const strategy = config.strategy ?? 'ROLLING';
  if (!SHIFTING_STRATEGIES.has(strategy) || previous.length === 0) return undefined;
  return { strategy, stage: previous.length > 1 ? 'RECONCILE_SERVICE' : 'PRE_SCALE_UP', traffic: 0, hooks: [] };
}

export type ShiftOutcome = 'wait' | 'clean-up' | { rollback: string };

/**
 * Moves a shifting deployment through its stages as far as it can now. `scaledUp` says
 * whether every desired task of the new revision runs. Returns what the caller does
 * next: wait, stop the old revision (CLEAN_UP), or roll back.
 */
export function advanceShift(ctx: SimContext, svc: ServiceState, d: DeploymentState & { shift: Shift }, scaledUp: boolean): ShiftOutcome {
  const now = ctx.clock.now();
  const config = svc.deploymentConfiguration as StrategyConfig;
  const shift = d.shift;
  for (let guard = 0; guard < 100; guard++) {
    const hook = settleHooks(ctx, shift, now);
    if (hook === 'rollback') return { rollback: `A lifecycle hook failed at ${shift.stage}.` };
    if (hook === 'wait') return 'wait';
    if (shift.dueAt !== undefined && shift.dueAt > now) return 'wait';
    delete shift.dueAt;
    if (shift.stage === 'SCALE_UP' && !scaledUp) return 'wait';
    if (shift.stage === 'PRODUCTION_TRAFFIC_SHIFT' && shift.traffic < 100) {
      stepTraffic(shift, config, now);
      continue;
    }
    if (shift.stage === 'CLEAN_UP') return 'clean-up';
    const next = STAGES[STAGES.indexOf(shift.stage) + 1];
    enterStage(shift, next, config, now, ctx);
    d.updatedAt = now;
  }
  return 'wait';
}

function enterStage(shift: Shift, stage: LifecycleStage, config: StrategyConfig, now: number, ctx: SimContext): void {
  shift.stage = stage;
  if (stage === 'BAKE_TIME') shift.dueAt = now + (config.bakeTimeInMinutes ?? 0) * MINUTE;
  // The test traffic shift moves test traffic only; production moves in its own stage.
  shift.hooks = (config.lifecycleHooks ?? [])
    .filter((h) => (h.lifecycleStages ?? []).includes(stage))
    .map((h, i) => {
      const type = h.targetType ?? 'AWS_LAMBDA';
      const timeout = (h.timeoutConfiguration?.timeoutInMinutes ?? 1440) * MINUTE;
      return {
        hookId: `${stage.toLowerCase()}-${i}`,
        targetType: type,
        ...(h.hookTargetArn ? { targetArn: h.hookTargetArn } : {}),
        status: type === 'PAUSE' ? ('AWAITING_ACTION' as const) : ('IN_PROGRESS' as const),
        ...(type === 'PAUSE' ? {} : { answersAt: now + ctx.timings.hookMs }),
        expiresAt: now + timeout,
        timeoutAction: h.timeoutConfiguration?.action === 'CONTINUE' ? ('CONTINUE' as const) : ('ROLLBACK' as const),
      };
    });
}

/** Production traffic's next step: all of it (BLUE_GREEN), the canary then the rest, or equal steps. */
function stepTraffic(shift: Shift, config: StrategyConfig, now: number): void {
  if (shift.strategy === 'CANARY') {
    const canary = config.canaryConfiguration ?? {};
    if (shift.traffic === 0) {
      shift.traffic = canary.canaryPercent ?? 5;
      if (shift.traffic < 100) shift.dueAt = now + (canary.canaryBakeTimeInMinutes ?? 10) * MINUTE;
    } else {
      shift.traffic = 100;
    }
  } else if (shift.strategy === 'LINEAR') {
    const linear = config.linearConfiguration ?? {};
    shift.traffic = Math.min(100, Math.round((shift.traffic + (linear.stepPercent ?? 10)) * 10) / 10);
    // "This bake time is not applied after reaching 100 percent traffic."
    if (shift.traffic < 100) shift.dueAt = now + (linear.stepBakeTimeInMinutes ?? 6) * MINUTE;
  } else {
    shift.traffic = 100;
  }
}

/** Resolves the hooks of the current stage: Lambda answers, pauses and timeouts. */
function settleHooks(ctx: SimContext, shift: Shift, now: number): 'done' | 'wait' | 'rollback' {
  for (const h of shift.hooks) {
    if (h.status === 'IN_PROGRESS' && h.answersAt !== undefined && h.answersAt <= now) {
      h.status = ctx.faults.failingHooks.includes(h.targetArn ?? '') ? 'FAILED' : 'SUCCEEDED';
    }
    if ((h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION') && h.expiresAt <= now) h.status = 'TIMED_OUT';
  }
  if (shift.hooks.some((h) => h.status === 'FAILED' || (h.status === 'TIMED_OUT' && h.timeoutAction === 'ROLLBACK'))) return 'rollback';
  return shift.hooks.some((h) => h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION') ? 'wait' : 'done';
}

/** When a shifting deployment next moves on its own. */
export function shiftDue(shift: Shift | undefined): number | undefined {
  if (!shift) return undefined;
  const times = [shift.dueAt, ...shift.hooks.flatMap((h) => (h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION' ? [h.answersAt, h.expiresAt] : []))];
  const due = times.filter((t): t is number => t !== undefined);
  return due.length ? Math.min(...due) : undefined;
}

/** What DescribeServiceDeployments adds for a shifting deployment: its stage and the hooks running at it. */
export function shiftOut(shift: Shift | undefined): Record<string, unknown> {
  if (!shift) return {};
  const hooks = shift.hooks.map((h) => ({
    hookId: h.hookId, targetType: h.targetType, ...(h.targetArn ? { targetArn: h.targetArn } : {}), status: h.status,
    expiresAt: wireTime(h.expiresAt), timeoutAction: h.timeoutAction,
  }));
  return { lifecycleStage: shift.stage, ...(hooks.length ? { lifecycleHookDetails: hooks } : {}) };
}
