/**
 * What CreateCapacityProvider refuses in a `kind: CapacityProvider` spec
 * beyond field types and ranges (docs/manifests.md, "kind: CapacityProvider"):
 * the group must be named by its ARN, the step sizes must be in order, and
 * managed termination protection only works with managed scaling.
 */
import type { RuleProblem } from './rule-problem.js';

type Rec = Readonly<Record<string, unknown>>;

const rec = (value: unknown): Rec | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;

/** An Auto Scaling group's ARN (CreateCapacityProvider takes the ARN, not the group name). */
export const AUTO_SCALING_GROUP_ARN =
  /^arn:aws[a-z-]*:autoscaling:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:autoScalingGroup:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:autoScalingGroupName\/[^\s]{1,255}$/;

export function capacityProviderRules(spec: Rec): RuleProblem[] {
  const provider = rec(spec.autoScalingGroupProvider);
  if (!provider) return [];
  const at = '/spec/autoScalingGroupProvider';
  const problems: RuleProblem[] = [];
  const arn = provider.autoScalingGroupArn;
  if (typeof arn === 'string' && !AUTO_SCALING_GROUP_ARN.test(arn)) {
    problems.push({
      code: 'MANIFEST_CAPACITY_PROVIDER',
      pointer: `${at}/autoScalingGroupArn`,
      message: `${at}/autoScalingGroupArn: ${JSON.stringify(arn)} is not an Auto Scaling group ARN (arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>); aws autoscaling describe-auto-scaling-groups prints it`,
    });
  }
  const scaling = rec(provider.managedScaling);
  const minStep = scaling?.minimumScalingStepSize;
  const maxStep = scaling?.maximumScalingStepSize;
  if (typeof minStep === 'number' && typeof maxStep === 'number' && minStep > maxStep) {
    problems.push({
      code: 'MANIFEST_CAPACITY_PROVIDER',
      pointer: `${at}/managedScaling/minimumScalingStepSize`,
      message: `${at}/managedScaling/minimumScalingStepSize: ${minStep} is above maximumScalingStepSize ${maxStep}`,
    });
  }
  if (provider.managedTerminationProtection === 'ENABLED' && scaling?.status !== 'ENABLED') {
    problems.push({
      code: 'MANIFEST_CAPACITY_PROVIDER',
      pointer: `${at}/managedTerminationProtection`,
      message: `${at}/managedTerminationProtection: ENABLED needs managed scaling: set managedScaling.status: ENABLED${scaling?.status === undefined ? ' (write it: ecs-gitops does not assume a default)' : ''}, or set managedTerminationProtection: DISABLED`,
    });
  }
  return problems;
}
