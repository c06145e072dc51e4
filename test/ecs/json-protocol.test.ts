/**
 * The ECS client's reviver-free JSON protocol (src/ecs/json-protocol.ts) gives
 * the same answers as the SDK's own, over HTTP, from the sandbox and from
 * moto: outputs (Dates included) and errors (class, name, message, fault).
 * Plus the one place the SDK's reviver could matter, pinned down, so an SDK
 * or ECS model update that adds a big-number member to a shape we read fails
 * here first.
 */
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient,
  ListServicesCommand, RegisterTaskDefinitionCommand, type ECSClientConfig,
} from '@aws-sdk/client-ecs';
import * as ecsModel from '@aws-sdk/client-ecs';
import { JsonShapeDeserializer2, type JsonSettings } from '@aws-sdk/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DirectAwsJson1_1Protocol, DirectJsonShapeDeserializer } from '../../src/ecs/json-protocol.js';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { requireProgram } from '../support/programs.js';
import { fargateTaskDefinition, freshAccountId, testSandbox } from '../sandbox/sandbox-harness.js';

/** Two clients on one account: the SDK's protocol and ours. */
function clientPair(config: ECSClientConfig, headers: Record<string, string>): { stock: ECSClient; direct: ECSClient } {
  return {
    stock: addRequestHeaders(new ECSClient(config), headers),
    direct: addRequestHeaders(new ECSClient({ ...config, protocol: DirectAwsJson1_1Protocol }), headers),
  };
}

/** Outputs without $metadata (request ids differ per call). */
function body(output: object): object {
  const { $metadata: _metadata, ...rest } = output as { $metadata?: unknown };
  return rest;
}

function countDates(value: unknown): number {
  if (value instanceof Date) return 1;
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value).reduce((total: number, child) => total + countDates(child), 0);
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

function sameAnswers(backend: () => { stock: ECSClient; direct: ECSClient }, lifecycleHooks: boolean) {
  it('DescribeServices, DescribeTaskDefinition and ListServices answer identically, Dates included', async () => {
    const { stock, direct } = backend();
    await stock.send(new CreateClusterCommand({ clusterName: 'protocol' }));
    const registered = await stock.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('protocol-td')));
    await stock.send(new CreateServiceCommand({
      cluster: 'protocol', serviceName: 'web', taskDefinition: registered.taskDefinition?.taskDefinitionArn, desiredCount: 2, launchType: 'FARGATE',
      tags: [{ key: 'team', value: 'payments' }],
      // moto checks subnets exist and knows no lifecycle hooks; the sandbox takes both.
      ...(lifecycleHooks ? {
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'] } },
        deploymentConfiguration: {
          strategy: 'BLUE_GREEN',
          lifecycleHooks: [{
            hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:check', roleArn: 'arn:aws:iam::123456789012:role/hooks',
            lifecycleStages: ['PRE_SCALE_UP'], hookDetails: { threshold: 1.5, retries: 3, nested: { list: [1, 2.25, 'x'] } },
          }],
        },
      } : {}),
    }));

    const describe = new DescribeServicesCommand({ cluster: 'protocol', services: ['web', 'missing'], include: ['TAGS'] });
    const [fromStock, fromDirect] = [await stock.send(describe), await direct.send(describe)];
    // Timestamps are still the SDK's Dates (moto leaves some out; each backend has some).
    expect(countDates(fromDirect)).toBeGreaterThan(0);
    expect(countDates(fromDirect)).toBe(countDates(fromStock));
    expect(body(fromDirect)).toEqual(body(fromStock));
    expect(fromDirect.failures?.[0]?.reason).toBe('MISSING');
    if (lifecycleHooks) {
      // The Document member (the one the SDK's reviver exists for) arrives intact.
      expect(fromDirect.services?.[0]?.deploymentConfiguration?.lifecycleHooks?.[0]?.hookDetails)
        .toEqual({ threshold: 1.5, retries: 3, nested: { list: [1, 2.25, 'x'] } });
    }

    const taskDefinition = new DescribeTaskDefinitionCommand({ taskDefinition: 'protocol-td', include: ['TAGS'] });
    expect(body(await direct.send(taskDefinition))).toEqual(body(await stock.send(taskDefinition)));
    const list = new ListServicesCommand({ cluster: 'protocol' });
    expect(body(await direct.send(list))).toEqual(body(await stock.send(list)));
  });

  it('errors come out as the same class, name, message and fault', async () => {
    const { stock, direct } = backend();
    const call = new DescribeServicesCommand({ cluster: 'no-such-cluster', services: ['web'] });
    const [fromStock, fromDirect] = [await caught(stock.send(call)), await caught(direct.send(call))];
    expect(fromDirect.name).toBe('ClusterNotFoundException');
    expect(fromDirect.constructor).toBe(fromStock.constructor);
    expect({ name: fromDirect.name, message: fromDirect.message, fault: (fromDirect as { $fault?: unknown }).$fault })
      .toEqual({ name: fromStock.name, message: fromStock.message, fault: (fromStock as { $fault?: unknown }).$fault });
  });
}

describe('reviver-free JSON protocol against the sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('parses a DescribeServices answer without a reviver, where the SDK\'s protocol uses one', async () => {
    const accountId = freshAccountId();
    const { stock, direct } = clientPair({ ...sandbox.clientConfig({ accountId, region: 'eu-west-1' }), maxAttempts: 1 }, {});
    await stock.send(new CreateClusterCommand({ clusterName: 'revivers' }));
    const describe = new DescribeServicesCommand({ cluster: 'revivers', services: ['none'] });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const withReviver = () => parse.mock.calls.filter((call) => typeof call[1] === 'function').length;
      await stock.send(describe);
      expect(withReviver()).toBeGreaterThan(0);
      parse.mockClear();
      await direct.send(describe);
      expect(parse).toHaveBeenCalled();
      expect(withReviver()).toBe(0);
    } finally {
      parse.mockRestore();
    }
  });
  sameAnswers(() => {
    const accountId = freshAccountId();
    return clientPair({ ...sandbox.clientConfig({ accountId, region: 'eu-west-1' }), maxAttempts: 1 }, {});
  }, true);
});

const hasMoto = requireProgram('moto_server', 'pip install "moto[server]"');
describe.skipIf(!hasMoto)('reviver-free JSON protocol against moto', () => {
  sameAnswers(() => {
    const endpoint = motoEndpoint();
    if (!endpoint) throw new Error('moto_server is not running');
    return clientPair({ endpoint, region: 'eu-west-1', credentials: dummyCredentials(), maxAttempts: 1 }, { 'x-moto-account-id': freshAccountId() });
  }, false);
});

/** The operations the controller calls (src/ecs/sdk-adapter.ts). */
const operations = [
  'DescribeClusters', 'CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'DescribeServices', 'ListServices',
  'CreateService', 'UpdateService', 'DeleteService', 'DescribeTaskDefinition', 'ListTaskDefinitions', 'RegisterTaskDefinition',
  'ListTagsForResource', 'TagResource', 'UntagResource',
];

/** The output schema of an ECS operation, from the client's exported schemas. */
function outputSchema(operation: string): unknown {
  const operationSchema = (ecsModel as unknown as Record<string, unknown[]>)[`${operation}$`];
  if (!operationSchema) throw new Error(`no schema for ${operation} in @aws-sdk/client-ecs`);
  return operationSchema[5];
}

describe('compiled structure readers', () => {
  const settings: JsonSettings = { timestampFormat: { useTrait: true, default: 7 }, jsonName: false };
  const extraKeys = fc.constantFrom('notInTheModel', 'alsoUnknown');
  /** Now and then a value of the wrong JSON type, which the SDK's code must get. */
  const wrongType = fc.constantFrom<unknown>('text', 12, true, [], {}, [1, 'x']);

  /** Arbitrary JSON shaped like `ns`: members left out or null, unknown keys, NaN as text, __type now and then. */
  function jsonFor(ns: NormalizedSchema, depth: number): fc.Arbitrary<unknown> {
    let right: fc.Arbitrary<unknown>;
    if (ns.isStructSchema()) {
      if (depth > 6) return fc.constant({});
      const members = Object.fromEntries([...ns.structIterator()].map(([name, member]) => [name, fc.option(jsonFor(member, depth + 1), { freq: 4 })]));
      right = fc.tuple(fc.record(members, { requiredKeys: [] }), fc.dictionary(extraKeys, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), fc.nat(19))
        .map(([known, extra, roll]) => ({ ...extra, ...known, ...(roll === 0 ? { __type: 'SomeError' } : {}) }));
    } else if (ns.isListSchema()) {
      right = fc.array(fc.option(jsonFor(ns.getValueSchema(), depth + 1), { freq: 8 }), { maxLength: 3 });
    } else if (ns.isMapSchema()) {
      right = fc.dictionary(fc.constantFrom('a', 'b', 'c'), jsonFor(ns.getValueSchema(), depth + 1), { maxKeys: 2 });
    } else if (ns.isTimestampSchema()) {
      right = fc.oneof(fc.integer({ min: 0, max: 4_000_000_000 }), fc.double({ min: 0, max: 4_000_000_000, noNaN: true }), fc.constant('1700000000.25'));
    } else if (ns.isBooleanSchema()) {
      right = fc.boolean();
    } else if (ns.isNumericSchema()) {
      right = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('NaN', 'Infinity', '-Infinity'));
    } else if (ns.isDocumentSchema()) {
      right = fc.jsonValue({ maxDepth: 2 });
    } else if (ns.isBigIntegerSchema()) {
      right = fc.integer();
    } else {
      right = fc.string({ maxLength: 8 });
    }
    return fc.oneof({ arbitrary: right, weight: 19 }, { arbitrary: wrongType, weight: 1 });
  }

  /** What a deserializer makes of `text`: its output, or the error it throws. */
  async function outcome(deserializer: JsonShapeDeserializer2, schema: unknown, text: string): Promise<unknown> {
    try {
      return { output: await deserializer.read(schema as never, text) };
    } catch (error) {
      return { error: String(error) };
    }
  }

  /**
   * The SDK deserializer's reading of `text` parsed without a reviver, the
   * first change json-protocol.ts makes on purpose: where JSON.parse hands
   * revivers the source text (Node 22), the SDK's reviver, which it passes
   * for the shapes holding a Document, turns every number beyond 2^53 in the
   * answer into a BigInt (pinned in the next test); ours keeps it a number.
   */
  function sdkOutcome(deserializer: JsonShapeDeserializer2, schema: unknown, text: string): unknown {
    try {
      return { output: deserializer.readObject(schema as never, JSON.parse(text)) };
    } catch (error) {
      return { error: String(error) };
    }
  }

  it.each(operations)('%s: the same output as the SDK\'s deserializer for arbitrary answers', async (operation) => {
    const schema = outputSchema(operation);
    const ours = new DirectJsonShapeDeserializer(settings);
    const sdks = new JsonShapeDeserializer2(settings);
    let compiledAnswers = 0;
    await fc.assert(fc.asyncProperty(jsonFor(NormalizedSchema.of(schema as never), 0), async (answer) => {
      const text = JSON.stringify(answer);
      if (answer !== null && typeof answer === 'object' && !Array.isArray(answer) && !('__type' in answer)) compiledAnswers++;
      // Each reads its own parse of the text: the SDK transforms lists in place.
      expect(await outcome(ours, schema, text)).toEqual(sdkOutcome(sdks, schema, text));
    }), { numRuns: 150 });
    // Most answers took the compiled path, not the SDK fallback.
    expect(compiledAnswers).toBeGreaterThan(100);
  });

  it('keeps a number beyond 2^53 a number, where the SDK\'s reviver makes it a BigInt if JSON.parse gives it the source text', async () => {
    const schema = outputSchema('DescribeServices');
    const text = '{"services":[{"serviceName":"web","desiredCount":1152921504606846976}]}'; // 2^60
    let sourceText = false;
    JSON.parse('1', (_key: string, value: unknown, context?: { source?: string }) => {
      sourceText = context?.source === '1';
      return value;
    });
    const read = async (deserializer: JsonShapeDeserializer2) => (await deserializer.read(schema as never, text) as { services: { desiredCount: unknown }[] }).services[0]?.desiredCount;
    expect(await read(new DirectJsonShapeDeserializer(settings))).toBe(2 ** 60);
    expect(await read(new JsonShapeDeserializer2(settings))).toEqual(sourceText ? 2n ** 60n : 2 ** 60);
    // Node 22 (the image's and CI's) gives revivers the source text, as V8 has since Node 21; Node 20 does not.
    expect(sourceText).toBe(Number(process.versions.node.split('.')[0]) >= 21);
  });

  it('reads timestamps nested in lists as Dates and keeps unknown keys out', async () => {
    const ours = new DirectJsonShapeDeserializer(settings);
    const answer = {
      services: [{ serviceName: 'web', createdAt: 1700000000.5, notInTheModel: 1, events: [{ id: 'e1', createdAt: 1700000001, message: 'm' }, null] }],
      failures: [],
    };
    const output = await ours.read(outputSchema('DescribeServices') as never, JSON.stringify(answer)) as {
      services: { createdAt: Date; events: ({ createdAt: Date } | null)[] }[];
    };
    expect(output.services[0]).toEqual({
      serviceName: 'web', createdAt: new Date(1700000000500), events: [{ id: 'e1', createdAt: new Date(1700000001000), message: 'm' }, null],
    });
    expect(output.services[0]?.events[0]?.createdAt).toBeInstanceOf(Date);
  });
});

describe('where the SDK would use a reviver', () => {
  // A new entry here means a shape we read gained a Document or big-number member: check
  // json-protocol.ts still holds for it.

  function reviverMembers(schema: unknown): string[] {
    const found: string[] = [];
    const walk = (ns: NormalizedSchema, at: string, seen: Set<unknown>) => {
      if (seen.has(ns.getSchema())) return;
      seen.add(ns.getSchema());
      if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) found.push(`${at} (big number)`);
      else if (ns.isDocumentSchema()) found.push(`${at} (document)`);
      else if (ns.isStructSchema()) for (const [name, member] of ns.structIterator()) walk(member, at === '' ? name : `${at}.${name}`, seen);
      else if (ns.isListSchema() || ns.isMapSchema()) walk(ns.getValueSchema(), `${at}[]`, seen);
    };
    walk(NormalizedSchema.of(schema as never), '', new Set());
    return found;
  }

  it('is only the lifecycle hooks\' hookDetails document of the Service shape', () => {
    const byOperation = Object.fromEntries(operations.map((operation) => [operation, reviverMembers(outputSchema(operation))]).filter(([, members]) => (members as string[]).length > 0));
    expect(byOperation).toEqual({
      DescribeServices: ['services[].deploymentConfiguration.lifecycleHooks[].hookDetails (document)'],
      CreateService: ['service.deploymentConfiguration.lifecycleHooks[].hookDetails (document)'],
      UpdateService: ['service.deploymentConfiguration.lifecycleHooks[].hookDetails (document)'],
      DeleteService: ['service.deploymentConfiguration.lifecycleHooks[].hookDetails (document)'],
    });
  });
});
