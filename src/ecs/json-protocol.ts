/**
 * The ECS client's AWS JSON 1.1 protocol with one change: response bodies are
 * parsed by JSON.parse without a reviver. Everything else (timestamps to
 * Date, error shapes, blobs) is the SDK's own code.
 *
 * Why: the SDK parses a response with a reviver whenever its output shape
 * holds a Document or a big number anywhere. Of the calls ecs-gitops makes,
 * only the Service shape does, for one field
 * (deploymentConfiguration.lifecycleHooks[].hookDetails, a Document), yet
 * every value of every DescribeServices answer went through a JavaScript
 * callback: a 24 KB answer parsed in ~0.55 ms instead of ~0.15 ms, a fifth
 * of the SDK's CPU in a resync (BENCHMARKS.md, scenario 4).
 *
 * What it changes: nothing on Node 20, whose JSON.parse does not hand
 * revivers the source text the SDK's reviver needs (so it returned every
 * value unchanged). Where JSON.parse does (newer V8), numbers inside
 * hookDetails stay plain numbers instead of becoming NumericValue or BigInt
 * wrappers when their text is not a double's shortest form: that is what a
 * manifest's YAML gives too, so the diff compares like with like.
 * test/ecs/json-protocol.test.ts lists the shapes concerned, so an SDK or
 * model update that adds a big-number member fails there first.
 */
import { AwsJson1_1Protocol, JsonCodec2, JsonShapeDeserializer2, type JsonSettings } from '@aws-sdk/core/protocols';

/** The SDK's JSON deserializer without the reviver. */
export class DirectJsonShapeDeserializer extends JsonShapeDeserializer2 {
  override async read(schema: Parameters<JsonShapeDeserializer2['read']>[0], data: string | Uint8Array | unknown): Promise<unknown> {
    if (!(data instanceof Uint8Array || typeof data === 'string')) return super.read(schema, data);
    const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    if (text.length === 0) return {};
    return this._read(schema, JSON.parse(text));
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
const AWS_JSON_SETTINGS: JsonSettings = { timestampFormat: { useTrait: true, default: 7 }, jsonName: false };

/** Pass as ECSClient's `protocol` (the client constructs it with its protocolSettings). */
export class DirectAwsJson1_1Protocol extends AwsJson1_1Protocol {
  constructor(settings: ConstructorParameters<typeof AwsJson1_1Protocol>[0]) {
    super({ ...settings, jsonCodec: new DirectJsonCodec(AWS_JSON_SETTINGS) });
  }
}
