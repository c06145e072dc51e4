/**
 * Scenario 3: mass rollout. One commit changes the image of every service of
 * a fleet whose services share task definition contents (several services
 * per family); the controller process must register each distinct content
 * once and update every service, inside ECS's limits. Measured: wall time
 * from the commit to the last UpdateService, against the fastest any client
 * could do it under ECS's published buckets for the calls actually needed
 * (rate-limit-ideal.ts), registrations vs distinct contents, and the
 * ThrottlingExceptions the sandbox answered.
 */
import type { Fleet } from '../lib/fixture.js';
import { rateLimitedMinimum } from '../lib/rate-limit-ideal.js';
import { waitFor, type ControllerProcess } from '../lib/processes.js';
import type { SandboxAdminClient } from '../lib/sandbox-admin.js';
import { sum } from '../lib/stats.js';

export interface MassRolloutResult {
  readonly services: number;
  readonly distinctTaskDefinitions: number;
  readonly registrations: number;
  readonly updates: number;
  readonly throttles: number;
  readonly wallSeconds: number;
  /** The rate-limit minimum for the same work (0 when it all fits in the buckets' bursts). */
  readonly limitSeconds: number;
  /** What bounds limitSeconds. */
  readonly binding: string;
  /** wallSeconds / limitSeconds; null when limitSeconds is 0 (a burst-sized run has no rate-limited yardstick). */
  readonly ratio: number | null;
  /** Commit to the first ECS call of the rollout (the source's part: watch, debounce, snapshot). */
  readonly firstCallSeconds: number;
  /** Commit to the last successful RegisterTaskDefinition. */
  readonly lastRegistrationSeconds: number;
  /** Calls from the commit to the last UpdateService, by operation (throttled ones included). */
  readonly calls: Record<string, number>;
  /** Wall-clock ms just before the commit (not a figure: the follow is measured from it). */
  readonly committedAt: number;
}

export async function measureMassRollout(
  controller: ControllerProcess, admin: SandboxAdminClient, fleet: Fleet, scale: number, timeoutMs: number,
): Promise<MassRolloutResult> {
  const families = [...new Set(fleet.refs.map((r) => r.family))];
  for (const family of families) fleet.setImage(family, 'public.ecr.aws/nginx/nginx:1.28.0');
  await admin.resetCalls();
  const t0 = Date.now();
  fleet.commit(fleet.refs, `bench: roll ${fleet.refs.length} services to nginx 1.28.0`);
  const names = new Set(fleet.refs.map((r) => r.name));
  const updated = new Map<string, number>();
  await waitFor('every UpdateService', async () => {
    for (const c of await admin.callLog({ operation: 'UpdateService', since: t0 })) {
      const name = c.target?.split('/').pop() ?? '';
      if (c.outcome === 'ok' && names.has(name) && !updated.has(name)) updated.set(name, c.at);
    }
    return updated.size === names.size ? true : undefined;
  }, timeoutMs, 250, controller.proc);
  const last = Math.max(...updated.values());
  // Calls up to the last update: the work the rollout needed (later rollout polls are not part of it).
  // A throttled call is not needed work; it is counted separately.
  const calls: Record<string, number> = {};
  const needed: Record<string, number> = {};
  let firstCall = last;
  let lastRegistration = t0;
  for (const c of await admin.callLog({ since: t0 })) {
    if (c.at > last) continue;
    firstCall = Math.min(firstCall, c.at);
    if (c.operation === 'RegisterTaskDefinition' && c.outcome === 'ok') lastRegistration = Math.max(lastRegistration, c.at);
    calls[c.operation] = (calls[c.operation] ?? 0) + 1;
    if (c.outcome !== 'throttled') needed[c.operation] = (needed[c.operation] ?? 0) + 1;
  }
  const throttled = await admin.throttled();
  const perContent = families.map((f) => fleet.refs.filter((r) => r.family === f).length);
  const limit = rateLimitedMinimum(perContent, needed, scale);
  const wallSeconds = (last - t0) / 1000;
  return {
    services: fleet.refs.length,
    distinctTaskDefinitions: families.length,
    registrations: needed.RegisterTaskDefinition ?? 0,
    updates: needed.UpdateService ?? 0,
    throttles: sum(Object.values(throttled)),
    wallSeconds,
    firstCallSeconds: (firstCall - t0) / 1000,
    lastRegistrationSeconds: (lastRegistration - t0) / 1000,
    limitSeconds: limit.seconds,
    binding: limit.binding,
    ratio: limit.seconds > 0 ? wallSeconds / limit.seconds : null,
    calls,
    committedAt: t0,
  };
}
