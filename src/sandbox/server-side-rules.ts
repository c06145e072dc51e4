/**
 * The rules ECS enforces server-side that its API model does not encode
 * (docs/manifests.md, "Rules ECS enforces"), applied to the sandbox's
 * CreateService, UpdateService and RegisterTaskDefinition requests. They are
 * the same pure rules `validate` runs (src/manifests/ecs-constraint-rules.ts),
 * so a manifest that passes `validate` is never refused here for one of them.
 *
 * Placeholder until the rules land: accepts everything.
 */
import type { JsonObject } from './json-input.js';

/** Throws InvalidParameterException (as ECS does) when the request breaks a rule. */
export function checkServiceRequest(_input: JsonObject, _operation: 'CreateService' | 'UpdateService'): void {
  // filled in with the rules
}
