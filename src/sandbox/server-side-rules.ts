/**
 * The rules ECS enforces server-side that its API model does not encode
 * (docs/manifests.md, "Rules ECS enforces"), applied to the sandbox's
 * CreateService, UpdateService and RegisterTaskDefinition requests. They are
 * the same pure rules `validate` runs (src/manifests/ecs-constraint-rules.ts),
 * so a manifest that passes `validate` is never refused here for one of them.
 * What `validate` only warns about is let through, as ECS is not known to
 * refuse it.
 */
import { serviceConstraintProblems, taskDefinitionConstraintProblems, type EcsConstraintProblem, type StoredService } from '../manifests/ecs-constraint-rules.js';
import { clientException, invalidParameter, type SandboxApiError } from './api-error.js';
import type { JsonObject } from './json-input.js';
import type { ServiceRecord } from './state.js';

/** "/deploymentConfiguration/lifecycleHooks/0/roleArn" -> "deploymentConfiguration.lifecycleHooks[0].roleArn", as ECS names fields. */
export function requestFieldName(path: string): string {
  return path.split('/').slice(1).reduce((name, segment) => {
    const token = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(token)) return `${name}[${token}]`;
    return name === '' ? token : `${name}.${token}`;
  }, '');
}

function firstError(problems: readonly EcsConstraintProblem[], raise: (message: string) => SandboxApiError): void {
  const problem = problems.find((p) => p.severity !== 'warning');
  if (problem) throw raise(`${requestFieldName(problem.path)}: ${problem.message}`);
}

/** What an UpdateService that leaves a field out keeps: the stored service's value. */
function storedView(record: ServiceRecord): StoredService {
  return {
    deploymentConfiguration: record.deploymentConfiguration,
    deploymentController: record.deploymentController,
    schedulingStrategy: record.schedulingStrategy,
    loadBalancers: record.passthrough.loadBalancers,
  };
}

/**
 * Throws InvalidParameterException (as ECS does) when the request breaks a
 * rule. UpdateService is partial: only the fields sent are checked, and
 * `stored` (the service being updated) gives the rules that pair two fields
 * (strategy and load balancers, percentages) the one the request leaves out.
 */
export function checkServiceRequest(input: JsonObject, operation: 'CreateService' | 'UpdateService', stored?: ServiceRecord): void {
  const keep = operation === 'UpdateService' && stored ? storedView(stored) : {};
  firstError(serviceConstraintProblems(input, keep), invalidParameter);
}

/** Throws ClientException (as ECS does for a task definition it refuses) when the request breaks a rule. */
export function checkTaskDefinitionRequest(input: JsonObject): void {
  firstError(taskDefinitionConstraintProblems(input), clientException);
}
