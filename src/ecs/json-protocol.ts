/**
 * The ECS client's AWS JSON 1.1 protocol with a faster response reader.
 * Requests, errors, signing and retries are the SDK's own code; two things
 * change in how a successful answer's body becomes the command's output:
 *
 * 1. JSON.parse runs without a reviver. The SDK passes one whenever the output
 *    shape holds a Document or a big number anywhere. Of the calls ecs-gitops
 *    makes, only the Service shape does, for one field
 *    (deploymentConfiguration.lifecycleHooks[].hookDetails, a Document), yet
 *    every value of every DescribeServices answer went through a JavaScript
 *    callback: a 24 KB answer parsed in ~0.55 ms instead of ~0.15 ms. On
 *    Node 20, whose JSON.parse does not hand revivers the source text the SDK's
 *    reviver needs, that reviver returned every value unchanged. Where JSON.parse
 *    does (newer V8), numbers inside hookDetails stay plain numbers instead of
 *    becoming NumericValue or BigInt wrappers when their text is not a double's
 *    shortest form: that is what a manifest's YAML gives too, so the diff
 *    compares like with like.
 *
 * 2. The parsed JSON is turned into the output by a reader compiled once per
 *    structure shape, instead of the SDK's walk that re-derives each member's
 *    schema on every value (NormalizedSchema lookups, a generator per struct,
 *    trait merging): that walk was a third of a bare client's CPU per
 *    DescribeServices call (BENCHMARKS.md, scenario 4). The compiled reader does
 *    what the SDK's JsonShapeDeserializer2 does (keep the shape's members that
 *    are not null, timestamps to Date, lists transformed in place; a record
 *    holding nothing else is converted in place instead of copied) and hands
 *    every case it does not specialise (unions, documents, blobs, big numbers,
 *    media-typed strings, non-numeric numbers, maps needing a transform,
 *    answers carrying __type, values of the wrong JSON type) to the SDK's own
 *    code. test/ecs/json-protocol.test.ts checks it gives the SDK's output for
 *    arbitrary answers to every operation ecs-gitops calls, and for real answers
 *    from the sandbox and moto.
 */
import { AwsJson1_1Protocol, JsonCodec2, JsonShapeDeserializer2, type JsonSettings } from '@aws-sdk/core/protocols';
import { determineTimestampFormat } from '@smithy/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import { parseEpochTimestamp } from '@smithy/core/serde';

type ValueReader = (value: unknown) => unknown;
type SdkSchema = Parameters<JsonShapeDeserializer2['read']>[0];

/** AWS JSON's timestamp format: epoch seconds (determineTimestampFormat's code 7). */
const EPOCH_SECONDS = 7;

/** The SDK's JSON deserializer without the reviver and with compiled structure readers. */
export class DirectJsonShapeDeserializer extends JsonShapeDeserializer2 {
  /** Compiled readers by the SDK's static structure schema (one array per shape, shared by all members that use it). */
  private readonly structReaders = new WeakMap<object, ValueReader>();

  override async read(schema: SdkSchema, data: string | Uint8Array | unknown): Promise<unknown> {
    if (!(data instanceof Uint8Array || typeof data === 'string')) return super.read(schema, data);
    const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    if (text.length === 0) return {};
    const parsed: unknown = JSON.parse(text);
    const ns = NormalizedSchema.of(schema);
    return this.isCompilableStruct(ns) ? this.structReader(ns)(parsed) : this._read(schema, parsed);
  }

  private isCompilableStruct(ns: NormalizedSchema): boolean {
    return ns.isStructSchema() && !ns.isUnionSchema() && !this.settings.jsonName;
  }

  /** The SDK's own reading of one value of `ns`: the fallback for every case the compiled readers leave alone. */
  private sdkReader(ns: NormalizedSchema): ValueReader {
    return (value) => this._read(ns, value);
  }

  private structReader(ns: NormalizedSchema): ValueReader {
    const key = ns.getSchema() as object;
    const known = this.structReaders.get(key);
    if (known) return known;
    // Registered before its members compile, so a recursive shape finds itself.
    let compiled: ValueReader = () => {
      throw new Error(`json-protocol: ${ns.getName(true) ?? 'structure'} read before it was compiled`);
    };
    this.structReaders.set(key, (value) => compiled(value));
    const members: { name: string; reader: ValueReader | undefined }[] = [];
    for (const [name, member] of ns.structIterator()) members.push({ name, reader: this.memberReader(member) });
    const sdk = this.sdkReader(ns);
    const readerOf = new Map(members.map(({ name, reader }) => [name, reader]));
    compiled = (value) => {
      // Not an object, or an error-like record whose unknown keys the SDK copies too: the SDK's code.
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return sdk(value);
      const record = value as Record<string, unknown>;
      if (typeof record.__type === 'string') return sdk(value);
      // The usual answer holds only members of the shape and no nulls: then it is
      // the output once its members are read, in place (the parsed tree is ours),
      // which saves a copy of every structure of every answer.
      let exact = true;
      for (const key in record) {
        if (record[key] === null || !readerOf.has(key)) {
          exact = false;
          break;
        }
      }
      if (exact) {
        for (const key in record) {
          const reader = readerOf.get(key);
          if (reader !== undefined) record[key] = reader(record[key]);
        }
        return record;
      }
      const out: Record<string, unknown> = {};
      for (const { name, reader } of members) {
        const memberValue = record[name];
        if (memberValue != null) out[name] = reader === undefined ? memberValue : reader(memberValue);
      }
      return out;
    };
    return compiled;
  }

  /** How to read one member's value; undefined when the JSON value is the output as it stands. */
  private memberReader(ns: NormalizedSchema): ValueReader | undefined {
    if (ns.isStructSchema()) return this.isCompilableStruct(ns) ? this.structReader(ns) : this.sdkReader(ns);
    if (ns.isListSchema()) {
      const element = this.memberReader(ns.getValueSchema());
      if (element === undefined) return undefined;
      const sdk = this.sdkReader(ns);
      return (value) => {
        if (!Array.isArray(value)) return sdk(value);
        // In place, as the SDK does: the parsed tree is ours alone.
        for (let i = 0; i < value.length; i++) value[i] = element(value[i]);
        return value;
      };
    }
    if (ns.isMapSchema()) return this.memberReader(ns.getValueSchema()) === undefined ? undefined : this.sdkReader(ns);
    if (ns.isTimestampSchema()) {
      if (determineTimestampFormat(ns, this.settings) !== EPOCH_SECONDS) return this.sdkReader(ns);
      return (value) => (value == null ? value : parseEpochTimestamp(value));
    }
    if (ns.isBooleanSchema()) return undefined;
    if (ns.isStringSchema()) return ns.getMergedTraits().mediaType ? this.sdkReader(ns) : undefined;
    if (ns.isNumericSchema()) {
      const sdk = this.sdkReader(ns);
      // "NaN", "Infinity" and "-Infinity" arrive as strings.
      return (value) => (typeof value === 'number' ? value : sdk(value));
    }
    // Documents, blobs, big numbers, unit and anything newer: the SDK's code, value by value.
    return this.sdkReader(ns);
  }
}

class DirectJsonCodec extends JsonCodec2 {
  override createDeserializer(): JsonShapeDeserializer2 {
    const deserializer = new DirectJsonShapeDeserializer(this.settings);
    // As JsonCodec2 does; the protocol hands both the context again once the client has one.
    if (this.serdeContext) deserializer.setSerdeContext(this.serdeContext);
    return deserializer;
  }
}

/** The settings AwsJsonRpcProtocol gives its own codec (AWS JSON: epoch-seconds timestamps unless a trait says otherwise). */
const AWS_JSON_SETTINGS: JsonSettings = { timestampFormat: { useTrait: true, default: EPOCH_SECONDS }, jsonName: false };

/** Pass as ECSClient's `protocol` (the client constructs it with its protocolSettings). */
export class DirectAwsJson1_1Protocol extends AwsJson1_1Protocol {
  constructor(settings: ConstructorParameters<typeof AwsJson1_1Protocol>[0]) {
    super({ ...settings, jsonCodec: new DirectJsonCodec(AWS_JSON_SETTINGS) });
  }
}
