/**
 * fast-check generators of valid `kind: ScheduledTask` specs in the forms
 * users write them (defaults spelled out or left out, dates with Z, offsets
 * or milliseconds), and of the ways a faithful Scheduler may store them.
 */
import fc from 'fast-check';
import type { ScheduledTaskSpec } from '../../src/manifests/types.js';
import { taskDefinitionArb } from './arbitraries.js';
import type { StoreStyle } from './scheduled-task-fixtures.js';

const two = (n: number) => String(n).padStart(2, '0');

const atExpression = fc.record({
  year: fc.integer({ min: 2026, max: 2040 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }),
}).map((t) => `at(${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:00)`);

const rateExpression = fc.oneof(
  fc.constant('rate(1 minute)'), fc.constant('rate(1 hour)'), fc.constant('rate(1 day)'),
  fc.tuple(fc.integer({ min: 2, max: 500 }), fc.constantFrom('minutes', 'hours', 'days')).map(([n, unit]) => `rate(${n} ${unit})`),
);

const cronExpression = fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom('* * ?', '? * MON-FRI', '1 * ?', '? * 2#1', 'L * ?'))
  .map(([minute, hour, days]) => {
    const [dom, month, dow] = days.split(' ');
    return `cron(${minute} ${hour} ${dom} ${month} ${dow} *)`;
  });

/** An instant written the ways ISO 8601 allows: Z, an offset, milliseconds. */
const isoDate = fc.tuple(fc.integer({ min: 1_780_000_000, max: 2_100_000_000 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom('Z', '+02:00', '-05:30', 'ms', 'none'))
  .map(([seconds, millis, style]) => {
    const date = new Date(seconds * 1000 + (style === 'ms' ? millis : 0));
    if (style === 'Z') return date.toISOString().replace('.000Z', 'Z');
    if (style === 'ms') return date.toISOString();
    if (style === 'none') return date.toISOString().replace('.000Z', '');
    const offsetMinutes = (style.startsWith('-') ? -1 : 1) * (Number(style.slice(1, 3)) * 60 + Number(style.slice(4, 6)));
    const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().replace('.000Z', '');
    return `${local}${style}`;
  });

const subnets = fc.uniqueArray(fc.stringMatching(/^subnet-[a-f0-9]{3}$/), { minLength: 1, maxLength: 4 });
const securityGroups = fc.uniqueArray(fc.stringMatching(/^sg-[a-f0-9]{3}$/), { minLength: 0, maxLength: 3 });
const tagKey = fc.stringMatching(/^[A-Za-z][A-Za-z0-9:_.-]{0,10}$/).filter((k) => !k.startsWith('aws:') && !k.startsWith('ecs-gitops/'));

const overrides = fc.record({
  containerOverrides: fc.array(fc.record({
    name: fc.stringMatching(/^[a-z]{1,6}$/),
    command: fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 3 }),
    // Names unique, as RunTask needs them (the diff matches entries by name).
    environment: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Z]{1,5}$/), value: fc.string({ minLength: 1, maxLength: 5 }) }),
      { minLength: 1, maxLength: 2, selector: (entry) => entry.name }),
  }, { requiredKeys: ['name'] }), { minLength: 1, maxLength: 2 }),
  cpu: fc.constantFrom('256', '512'),
  taskRoleArn: fc.constant('arn:aws:iam::123456789012:role/override'),
}, { requiredKeys: ['containerOverrides'] });

const launch = fc.oneof(
  fc.constant({}),
  fc.record({ launchType: fc.constantFrom('FARGATE', 'EC2', 'EXTERNAL') }),
  fc.record({
    capacityProviderStrategy: fc.uniqueArray(
      fc.record({ capacityProvider: fc.constantFrom('FARGATE', 'FARGATE_SPOT', 'cp-a'), weight: fc.integer({ min: 0, max: 10 }), base: fc.integer({ min: 0, max: 3 }) },
        { requiredKeys: ['capacityProvider'] }),
      { minLength: 1, maxLength: 3, selector: (item) => item.capacityProvider },
    ),
  }),
);

export const scheduledTaskSpecArb: fc.Arbitrary<ScheduledTaskSpec> = fc.record({
  fields: fc.record({
    schedule: fc.oneof(atExpression, rateExpression, cronExpression),
    timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'),
    flexibleTimeWindow: fc.oneof(
      fc.constant({ mode: 'OFF' as const }),
      fc.record({ mode: fc.constant('FLEXIBLE' as const), maximumWindowInMinutes: fc.integer({ min: 1, max: 1440 }) }),
    ),
    startDate: isoDate,
    endDate: isoDate,
    state: fc.constantFrom('ENABLED' as const, 'DISABLED' as const),
    description: fc.string({ minLength: 1, maxLength: 20 }),
    kmsKeyArn: fc.constant('arn:aws:kms:eu-west-1:123456789012:key/k'),
    roleArn: fc.stringMatching(/^arn:aws:iam::123456789012:role\/[a-z]{1,8}$/),
    retryPolicy: fc.record({ maximumEventAgeInSeconds: fc.integer({ min: 60, max: 86_400 }), maximumRetryAttempts: fc.integer({ min: 0, max: 185 }) }, { requiredKeys: [] }),
    deadLetterConfig: fc.record({ arn: fc.constant('arn:aws:sqs:eu-west-1:123456789012:dlq') }),
    taskDefinition: taskDefinitionArb,
    platformVersion: fc.constantFrom('LATEST', '1.4.0'),
    networkConfiguration: fc.record({
      awsvpcConfiguration: fc.record({ subnets, securityGroups, assignPublicIp: fc.constantFrom('ENABLED' as const, 'DISABLED' as const) }, { requiredKeys: ['subnets'] }),
    }),
    taskCount: fc.integer({ min: 1, max: 10 }),
    propagateTags: fc.constant('TASK_DEFINITION' as const),
    enableECSManagedTags: fc.boolean(),
    enableExecuteCommand: fc.boolean(),
    group: fc.stringMatching(/^[a-z][a-z0-9:-]{0,12}$/),
    placementConstraints: fc.array(fc.record({ type: fc.constant('memberOf' as const), expression: fc.constantFrom('attribute:ecs.instance-type =~ t3.*', 'attribute:role == batch') }), { maxLength: 2 }),
    placementStrategy: fc.array(fc.record({ type: fc.constantFrom('spread' as const, 'binpack' as const), field: fc.constantFrom('memory', 'attribute:ecs.availability-zone') }), { maxLength: 2 }),
    referenceId: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    overrides,
    tags: fc.dictionary(tagKey, fc.string({ maxLength: 8 }), { maxKeys: 4 }),
  }, { requiredKeys: ['schedule', 'roleArn', 'taskDefinition'] }),
  launch,
}).map(({ fields, launch: how }) => ({ ...fields, ...how }) as ScheduledTaskSpec);

export const storeStyleArb: fc.Arbitrary<StoreStyle> = fc.record({
  spellDefaults: fc.boolean(), reorderLists: fc.boolean(), reformatInput: fc.boolean(), oneEntryTags: fc.boolean(),
});
