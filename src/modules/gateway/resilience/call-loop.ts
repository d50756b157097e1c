import { AppError } from '../../../platform/errors/index.ts';
import { gatewayErrors } from '../gateway.errors.ts';
import type { ResilienceSettings } from '../gateway-settings.ts';
import type { CallFacts } from '../usage/call-facts.ts';
import { AttemptSignal } from './attempt-signal.ts';
import { retryDelayMs, sleep } from './backoff.ts';
import type { Admission, DeploymentHealth } from './deployment-health.ts';
import { classifyFailure, type Failure } from './failure.ts';

/** What the loop needs to know about a deployment. */
export interface LoopDeployment {
  /** `provider:model`. */
  readonly id: string;
  readonly provider: string;
  readonly modelId: string;
  readonly health: DeploymentHealth;
}

/** Deployments of one model, load-balanced by weight; a route is an ordered list of them (then fallbacks). */
export interface DeploymentGroup<D extends LoopDeployment> {
  readonly deployments: readonly D[];
  readonly weights: readonly number[];
}

export interface CallLoopOptions<D extends LoopDeployment, T> {
  readonly groups: readonly DeploymentGroup<D>[];
  readonly settings: ResilienceSettings;
  readonly callerSignal: AbortSignal | undefined;
  readonly facts: CallFacts;
  /** The deadline of one attempt (the whole response, or the first token of a stream). */
  readonly attemptTimeoutMs: number;
  /** Names what the attempt waits for in its timeout message: `response`, `first token`, `embedding`. */
  readonly awaiting: string;
  /** One attempt on one deployment; rejects with whatever the provider threw. */
  readonly attempt: (deployment: D, signal: AttemptSignal) => Promise<T>;
  readonly random?: () => number;
}

export interface CallLoopResult<D extends LoopDeployment, T> {
  readonly value: T;
  readonly deployment: D;
  /** Still open: the caller reports the outcome (at once for a response, at the end for a stream). */
  readonly admission: Admission;
  /** Still armed: the caller disposes of it when done with the upstream. */
  readonly signal: AttemptSignal;
}

/**
 * Keel's one retry loop. For each group in order (the route's deployments, then each fallback): up to
 * `maxAttempts` attempts on deployments picked by weight among those whose circuit admits a call, with
 * full-jitter backoff (or the provider's Retry-After) between them; a deployment fault moves on to the
 * next group at once; a refused request or the caller's abort ends the call. Everything, backoff
 * included, fits in `totalTimeoutMs`. Facts (attempts, retries, fallbacks, the serving deployment) are
 * written to `facts` as they happen, so accounting sees them even when the call fails.
 */
export async function runCallLoop<D extends LoopDeployment, T>(
  options: CallLoopOptions<D, T>,
): Promise<CallLoopResult<D, T>> {
  const { settings, facts, callerSignal } = options;
  const random = options.random ?? Math.random;
  const deadline = performance.now() + settings.totalTimeoutMs;
  let last: Failure | undefined;
  let triedAny = false;

  for (let groupIndex = 0; groupIndex < options.groups.length; groupIndex++) {
    const group = options.groups[groupIndex] as DeploymentGroup<D>;
    if (groupIndex > 0 && triedAny) facts.fallbacks += 1;
    const tried = new Set<D>();
    for (let attemptInGroup = 0; attemptInGroup < settings.maxAttempts; attemptInGroup++) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw deadlineError(last);
      const picked = pick(group, tried, random);
      if (picked === undefined) break;
      const { deployment, admission } = picked;
      tried.add(deployment);
      if (attemptInGroup > 0) facts.retries += 1;
      facts.attempts += 1;
      triedAny = true;
      facts.deployment = deployment.id;
      facts.provider = deployment.provider;
      facts.model = deployment.modelId;

      const signal = new AttemptSignal(
        callerSignal,
        Math.min(options.attemptTimeoutMs, remaining),
        options.awaiting,
      );
      try {
        const value = await options.attempt(deployment, signal);
        return { value, deployment, admission, signal };
      } catch (error) {
        const failure = classifyFailure(error, { callerSignal, attemptTimedOut: signal.timedOut });
        signal.abort();
        signal.dispose();
        admission.fail(failure);
        if (failure.kind === 'aborted' || failure.kind === 'request') throw failure.error;
        last = failure;
        if (failure.kind === 'deployment') break;
        if (attemptInGroup + 1 >= settings.maxAttempts) break;
        const delay = retryDelayMs(
          attemptInGroup,
          failure.retryAfterMs,
          deadline - performance.now(),
          settings,
          random,
        );
        // The provider asked for a longer pause than we may take: give this group up.
        if (delay === undefined) break;
        await sleep(delay, callerSignal);
      }
    }
  }
  if (last !== undefined) throw last.error;
  throw circuitOpenError(options.groups);
}

/**
 * A deployment of the group whose circuit admits a call: weighted random among those not tried yet in this
 * call (all of them once each has been tried), skipping open circuits.
 */
function pick<D extends LoopDeployment>(
  group: DeploymentGroup<D>,
  tried: ReadonlySet<D>,
  random: () => number,
): { deployment: D; admission: Admission } | undefined {
  const { deployments, weights } = group;
  if (deployments.length === 1) {
    const only = deployments[0] as D;
    const admission = only.health.admit();
    return admission ? { deployment: only, admission } : undefined;
  }
  const fresh = deployments.map((_, index) => index).filter((index) => !tried.has(deployments[index] as D));
  for (const pool of fresh.length > 0 && fresh.length < deployments.length
    ? [fresh, undefined]
    : [undefined]) {
    const candidates = pool ?? deployments.map((_, index) => index);
    for (const index of weightedOrder(candidates, weights, random)) {
      const deployment = deployments[index] as D;
      const admission = deployment.health.admit();
      if (admission) return { deployment, admission };
    }
  }
  return undefined;
}

/** Indexes in a weighted random order without replacement. */
function weightedOrder(
  indexes: readonly number[],
  weights: readonly number[],
  random: () => number,
): number[] {
  const left = [...indexes];
  const order: number[] = [];
  while (left.length > 0) {
    let total = 0;
    for (const index of left) total += weights[index] ?? 1;
    let draw = random() * total;
    let chosen = left.length - 1;
    for (let position = 0; position < left.length; position++) {
      draw -= weights[left[position] as number] ?? 1;
      if (draw < 0) {
        chosen = position;
        break;
      }
    }
    order.push(left[chosen] as number);
    left.splice(chosen, 1);
  }
  return order;
}

function deadlineError(last: Failure | undefined): unknown {
  if (last !== undefined) return last.error;
  return new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, {
    detail: 'The call ran out of time before any attempt could be made.',
  });
}

function circuitOpenError<D extends LoopDeployment>(groups: readonly DeploymentGroup<D>[]): AppError {
  const waits = groups.flatMap((group) =>
    group.deployments.map((deployment) => deployment.health.retryInMs()),
  );
  const seconds = Math.max(1, Math.ceil(Math.min(...waits, 60_000) / 1_000));
  const deployments = groups.flatMap((group) => group.deployments.map((deployment) => deployment.id));
  return new AppError(gatewayErrors.GATEWAY_CIRCUIT_OPEN, {
    detail: `Every deployment is failing and its circuit is open: ${deployments.join(', ')}.`,
    details: { deployments },
    headers: { 'retry-after': String(seconds) },
  });
}
