/**
 * One document per spec.autoScaling and kind: CapacityProvider rule, with the
 * code, pointer and position validate reports. Service documents share a
 * 6-line header (autoScaling: on line 6), so the block's fields start on line 7.
 */
const SVC = 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: web, cluster: demo}\nspec:\n  taskDefinition: {family: web, containerDefinitions: [{name: web, image: nginx, memory: 128}]}\n  autoScaling:\n';
const CP = 'apiVersion: ecs-gitops/v1\nkind: CapacityProvider\nmetadata: {name: demo-asg}\nspec:\n  autoScalingGroupProvider:\n';
export const ASG_ARN = 'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b:autoScalingGroupName/demo-asg';

/** A valid step scaling policy on one line, with `alarm` fields merged in. */
export function stepPolicy(name: string, fields = '', alarm = ''): string {
  return `{name: ${name}, adjustmentType: ChangeInCapacity, stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]${fields}, alarm: {metricName: CPUUtilization, namespace: AWS/ECS, statistic: Average, period: 60, evaluationPeriods: 2, threshold: 70, comparisonOperator: GreaterThanThreshold${alarm}}}`;
}

export interface RuleCase {
  readonly name: string;
  readonly content: string;
  /** `line:col CODE pointer` for each problem, in report order. */
  readonly expected: readonly string[];
  /** A fragment the first problem's message must contain. */
  readonly says?: string;
}

const scaling = (body: string): string => `${SVC}    minCapacity: 1\n    maxCapacity: 10\n${body}`;
const scheduled = (fields: string): string => scaling(`    scheduled:\n      - {name: s, ${fields}}\n`);
const steps = (adjustments: string, fields = ''): string =>
  scaling(`    stepScaling:\n      - name: p\n        adjustmentType: ChangeInCapacity\n        stepAdjustments: ${adjustments}\n${fields}        alarm: {metricName: m, namespace: n, statistic: Average, period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: GreaterThanThreshold}\n`);
const alarm = (fields: string): string => scaling(`    stepScaling:\n      - ${stepPolicy('p', '', fields)}\n`);
const tracking = (fields: string): string => scaling(`    targetTracking:\n      - {name: t, targetValue: 50, ${fields}}\n`);
const provider = (fields: string): string => `${CP}    autoScalingGroupArn: ${ASG_ARN}\n${fields}`;
const many = (n: number, item: (i: number) => string): string => Array.from({ length: n }, (_, i) => `      - ${item(i)}\n`).join('');

export const RULE_CASES: readonly RuleCase[] = [
  // capacities
  { name: 'minCapacity above maxCapacity', content: `${SVC}    minCapacity: 5\n    maxCapacity: 2\n`, expected: ['7:18 MANIFEST_SCALING_CAPACITY /spec/autoScaling/minCapacity'] },
  { name: 'negative minCapacity', content: `${SVC}    minCapacity: -1\n    maxCapacity: 2\n`, expected: ['7:18 MANIFEST_INVALID_VALUE /spec/autoScaling/minCapacity'] },
  { name: 'missing maxCapacity', content: `${SVC}    minCapacity: 1\n`, expected: ['6:3 MANIFEST_MISSING_FIELD /spec/autoScaling/maxCapacity'] },
  { name: 'desiredCount outside min and max', content: `${SVC.replace('  autoScaling:\n', '  desiredCount: 20\n  autoScaling:\n')}    minCapacity: 1\n    maxCapacity: 10\n`, expected: ['6:17 MANIFEST_SCALING_CAPACITY /spec/desiredCount'] },
  { name: 'autoScaling on a DAEMON service', content: `${SVC.replace('  autoScaling:\n', '  schedulingStrategy: DAEMON\n  autoScaling:\n')}    minCapacity: 1\n    maxCapacity: 10\n`, expected: ['7:3 MANIFEST_CONFLICTING_FIELDS /spec/autoScaling'] },
  // limits
  { name: 'more than 50 policies', content: scaling(`    targetTracking:\n${many(30, (i) => `{name: t${i}, targetValue: 50, predefinedMetric: ECSServiceAverageCPUUtilization}`)}    stepScaling:\n${many(21, (i) => stepPolicy(`s${i}`))}`), expected: ['40:5 MANIFEST_SCALING_LIMIT /spec/autoScaling/stepScaling'] },
  { name: 'more than 200 scheduled actions', content: scaling(`    scheduled:\n${many(201, (i) => `{name: s${i}, schedule: rate(1 day), minCapacity: 1}`)}`), expected: ['9:5 MANIFEST_SCALING_LIMIT /spec/autoScaling/scheduled'] },
  // names
  { name: 'policy name with a space', content: tracking('predefinedMetric: ECSServiceAverageCPUUtilization').replace('name: t,', 'name: scale out,'), expected: ['10:16 MANIFEST_SCALING_NAME /spec/autoScaling/targetTracking/0/name'] },
  { name: 'policy name used by a target tracking and a step scaling policy', content: scaling(`    targetTracking:\n      - {name: cpu, targetValue: 50, predefinedMetric: ECSServiceAverageCPUUtilization}\n    stepScaling:\n      - ${stepPolicy('cpu')}\n`), expected: ['12:16 MANIFEST_SCALING_NAME /spec/autoScaling/stepScaling/0/name'] },
  { name: 'scheduled action name used twice', content: scaling(`    scheduled:\n      - {name: s, schedule: rate(1 day), minCapacity: 1}\n      - {name: s, schedule: rate(2 days), minCapacity: 2}\n`), expected: ['11:16 MANIFEST_SCALING_NAME /spec/autoScaling/scheduled/1/name'] },
  { name: 'alarm name over 255 characters', content: scaling(`    stepScaling:\n      - ${stepPolicy('p'.repeat(200))}\n`).replace('name: web, cluster: demo', `name: ${'w'.repeat(40)}, cluster: ${'c'.repeat(20)}`), expected: ['10:16 MANIFEST_SCALING_NAME /spec/autoScaling/stepScaling/0/name'] },
  // metrics
  { name: 'target tracking without a metric', content: tracking('disableScaleIn: false'), expected: ['10:9 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/predefinedMetric'] },
  { name: 'predefinedMetric and customizedMetric together', content: tracking('predefinedMetric: ECSServiceAverageCPUUtilization, customizedMetric: {metricName: m, namespace: n, statistic: Average}'), expected: ['10:87 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/customizedMetric'] },
  { name: 'predefinedMetric not an ECS metric', content: tracking('predefinedMetric: DynamoDBReadCapacityUtilization'), expected: ['10:54 MANIFEST_BAD_ENUM /spec/autoScaling/targetTracking/0/predefinedMetric'] },
  { name: 'ALBRequestCountPerTarget without resourceLabel', content: tracking('predefinedMetric: ALBRequestCountPerTarget'), expected: ['10:54 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/resourceLabel'] },
  { name: 'resourceLabel with a CPU metric', content: tracking('predefinedMetric: ECSServiceAverageCPUUtilization, resourceLabel: app/a/0123456789abcdef/targetgroup/t/0123456789abcdef'), expected: ['10:87 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/resourceLabel'] },
  { name: 'resourceLabel given as a target group ARN', content: tracking('predefinedMetric: ALBRequestCountPerTarget, resourceLabel: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/0123456789abcdef"'), expected: ['10:95 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/resourceLabel'] },
  { name: 'customized metric without statistic', content: tracking('customizedMetric: {metricName: m, namespace: n}'), expected: ['10:36 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/customizedMetric/statistic'] },
  { name: 'customized metric mixing metrics and metricName', content: tracking('customizedMetric: {metricName: m, metrics: [{id: a, expression: "m1 * 2"}]}'), expected: ['10:70 MANIFEST_SCALING_METRIC /spec/autoScaling/targetTracking/0/customizedMetric/metrics'] },
  { name: 'scaleInCooldown above a day', content: tracking('predefinedMetric: ECSServiceAverageCPUUtilization, scaleInCooldown: 90000'), expected: ['10:104 MANIFEST_INVALID_VALUE /spec/autoScaling/targetTracking/0/scaleInCooldown'] },
  { name: 'negative step scaling cooldown', content: steps('[{metricIntervalLowerBound: 0, scalingAdjustment: 1}]', '        cooldown: -5\n'), expected: ['13:19 MANIFEST_INVALID_VALUE /spec/autoScaling/stepScaling/0/cooldown'] },
  // schedules
  { name: 'schedule that is not at, rate or cron', content: scheduled('schedule: every day, minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'at() with a time zone suffix', content: scheduled('schedule: at(2025-06-01T08:00:00Z), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'at() on a day the month does not have', content: scheduled('schedule: at(2025-02-30T08:00:00), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'rate() of 0', content: scheduled('schedule: rate(0 minutes), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'rate() of 1 with a plural unit', content: scheduled('schedule: rate(1 hours), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'rate() of 5 with a singular unit', content: scheduled('schedule: rate(5 minute), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'rate() in seconds', content: scheduled('schedule: rate(30 seconds), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'cron() with five fields (Unix style)', content: scheduled('schedule: cron(0 8 * * 1), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'cron() with both day fields set', content: scheduled('schedule: cron(0 8 1 * MON *), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'cron() with both day fields ?', content: scheduled('schedule: cron(0 8 ? * ? *), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'cron() hour 24', content: scheduled('schedule: cron(0 24 ? * MON-FRI *), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'cron() unknown weekday name', content: scheduled('schedule: cron(0 8 ? * MON-FRY *), minCapacity: 1'), expected: ['10:29 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/schedule'] },
  { name: 'timezone that is not IANA', content: scheduled('schedule: rate(1 day), timezone: CET+1, minCapacity: 1'), expected: ['10:52 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/timezone'] },
  { name: 'startTime without an offset', content: scheduled('schedule: rate(1 day), startTime: "2025-06-01T08:00:00", minCapacity: 1'), expected: ['10:53 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/startTime'] },
  { name: 'endTime before startTime', content: scheduled('schedule: rate(1 day), startTime: "2025-06-01T08:00:00Z", endTime: "2025-06-01T09:00:00+02:00", minCapacity: 1'), expected: ['10:86 MANIFEST_SCALING_SCHEDULE /spec/autoScaling/scheduled/0/endTime'] },
  { name: 'scheduled action without capacities', content: scheduled('schedule: rate(1 day)'), expected: ['10:9 MANIFEST_SCALING_CAPACITY /spec/autoScaling/scheduled/0/minCapacity'] },
  { name: 'scheduled action min above max', content: scheduled('schedule: rate(1 day), minCapacity: 4, maxCapacity: 3'), expected: ['10:55 MANIFEST_SCALING_CAPACITY /spec/autoScaling/scheduled/0/minCapacity'] },
  // step adjustments
  { name: 'no step adjustments', content: steps('[]'), expected: ['12:26 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments'] },
  { name: 'step with neither bound', content: steps('[{scalingAdjustment: 1}]'), expected: ['12:27 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/0'] },
  { name: 'step whose upper bound is not above its lower bound', content: steps('[{metricIntervalLowerBound: 10, metricIntervalUpperBound: 10, scalingAdjustment: 1}]'), expected: ['12:84 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/0/metricIntervalUpperBound'] },
  { name: 'two steps without an upper bound', content: steps('[{metricIntervalLowerBound: 0, scalingAdjustment: 1}, {metricIntervalLowerBound: 10, scalingAdjustment: 2}]'), expected: ['12:80 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/1'] },
  { name: 'overlapping steps', content: steps('[{metricIntervalLowerBound: 0, metricIntervalUpperBound: 20, scalingAdjustment: 1}, {metricIntervalLowerBound: 10, scalingAdjustment: 2}]'), expected: ['12:137 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/1/metricIntervalLowerBound'] },
  { name: 'steps with a gap', content: steps('[{metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 1}, {metricIntervalLowerBound: 20, scalingAdjustment: 2}]'), expected: ['12:137 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/1/metricIntervalLowerBound'] },
  { name: 'negative lower bound without an open-below step', content: steps('[{metricIntervalLowerBound: -10, metricIntervalUpperBound: 0, scalingAdjustment: -1}]'), expected: ['12:54 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/0/metricIntervalLowerBound'] },
  { name: 'positive upper bound without an open-above step', content: steps('[{metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 1}]'), expected: ['12:83 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/stepAdjustments/0/metricIntervalUpperBound'] },
  { name: 'minAdjustmentMagnitude with ChangeInCapacity', content: steps('[{metricIntervalLowerBound: 0, scalingAdjustment: 1}]', '        minAdjustmentMagnitude: 2\n'), expected: ['13:9 MANIFEST_STEP_ADJUSTMENTS /spec/autoScaling/stepScaling/0/minAdjustmentMagnitude'] },
  // alarms
  { name: 'alarm period of 45 seconds', content: alarm(', period: 45').replace('period: 60, ', ''), expected: ['10:288 MANIFEST_SCALING_ALARM /spec/autoScaling/stepScaling/0/alarm/period'] },
  { name: 'alarm datapointsToAlarm above evaluationPeriods', content: alarm(', datapointsToAlarm: 3'), expected: ['10:311 MANIFEST_SCALING_ALARM /spec/autoScaling/stepScaling/0/alarm/datapointsToAlarm'] },
  { name: 'alarm with statistic and extendedStatistic', content: alarm(', extendedStatistic: p99'), expected: ['10:292 MANIFEST_SCALING_ALARM /spec/autoScaling/stepScaling/0/alarm/extendedStatistic'] },
  { name: 'alarm without a statistic', content: alarm('').replace('statistic: Average, ', ''), expected: ['10:125 MANIFEST_SCALING_ALARM /spec/autoScaling/stepScaling/0/alarm/statistic'] },
  { name: 'alarm evaluationPeriods 0', content: alarm('').replace('evaluationPeriods: 2', 'evaluationPeriods: 0'), expected: ['10:232 MANIFEST_INVALID_VALUE /spec/autoScaling/stepScaling/0/alarm/evaluationPeriods'] },
  { name: 'alarm comparing with an anomaly band', content: alarm('').replace('GreaterThanThreshold', 'GreaterThanUpperThreshold'), expected: ['10:270 MANIFEST_BAD_ENUM /spec/autoScaling/stepScaling/0/alarm/comparisonOperator'] },
  { name: 'alarm treatMissingData in the wrong case', content: alarm(', treatMissingData: NotBreaching'), expected: ['10:310 MANIFEST_BAD_ENUM /spec/autoScaling/stepScaling/0/alarm/treatMissingData'] },
  // kind: CapacityProvider
  { name: 'capacity provider name starting with ecs', content: CP.replace('demo-asg', 'ECS-workers') + `    autoScalingGroupArn: ${ASG_ARN}\n`, expected: ['3:18 MANIFEST_INVALID_VALUE /metadata/name'] },
  { name: 'capacity provider without autoScalingGroupProvider', content: 'apiVersion: ecs-gitops/v1\nkind: CapacityProvider\nmetadata: {name: demo-asg}\nspec:\n  tags: {team: a}\n', expected: ['4:1 MANIFEST_MISSING_FIELD /spec/autoScalingGroupProvider'] },
  { name: 'capacity provider with a cluster', content: provider('  cluster: demo\n'), expected: ['7:3 MANIFEST_UNKNOWN_FIELD /spec/cluster'] },
  { name: 'Auto Scaling group given by name', content: `${CP}    autoScalingGroupArn: demo-asg\n`, expected: ['6:26 MANIFEST_CAPACITY_PROVIDER /spec/autoScalingGroupProvider/autoScalingGroupArn'] },
  { name: 'targetCapacity above 100', content: provider('    managedScaling: {status: ENABLED, targetCapacity: 120}\n'), expected: ['7:55 MANIFEST_INVALID_VALUE /spec/autoScalingGroupProvider/managedScaling/targetCapacity'] },
  { name: 'minimumScalingStepSize above maximumScalingStepSize', content: provider('    managedScaling: {status: ENABLED, minimumScalingStepSize: 10, maximumScalingStepSize: 5}\n'), expected: ['7:63 MANIFEST_CAPACITY_PROVIDER /spec/autoScalingGroupProvider/managedScaling/minimumScalingStepSize'] },
  { name: 'instanceWarmupPeriod above 10000', content: provider('    managedScaling: {status: ENABLED, instanceWarmupPeriod: 20000}\n'), expected: ['7:61 MANIFEST_INVALID_VALUE /spec/autoScalingGroupProvider/managedScaling/instanceWarmupPeriod'] },
  { name: 'managed termination protection without managed scaling', content: provider('    managedScaling: {status: DISABLED}\n    managedTerminationProtection: ENABLED\n'), expected: ['8:35 MANIFEST_CAPACITY_PROVIDER /spec/autoScalingGroupProvider/managedTerminationProtection'] },
  { name: 'capacity provider tag with a reserved prefix', content: provider('  tags: {"aws:team": a}\n'), expected: ['7:10 MANIFEST_RESERVED_TAG /spec/tags/aws:team'] },
];
