/**
 * Amazon SNS, the part the SNS sink and a quick start need (query protocol,
 * Version 2010-03-31, as real SNS and moto speak it to the SDK and `aws sns`):
 * CreateTopic, Publish, ListTopics and DeleteTopic, per account and Region.
 * There are no subscriptions: what a topic received is kept (the newest
 * 10,000 per topic) and shown by the admin API (`GET
 * /_sandbox/sns/messages?topicArn=`, `admin.snsMessages(topicArn)`).
 *
 * A FIFO topic (`.fifo`, FifoTopic=true) needs MessageGroupId and a
 * MessageDeduplicationId (or ContentBasedDeduplication), and keeps one
 * message per deduplication id within SNS's 5-minute window: a repeat is
 * answered with the first one's MessageId and not delivered again.
 *
 * Topics live beside the Region's state (a WeakMap on RegionState), so an
 * account reset drops them with everything else.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SandboxApiError } from './api-error.js';
import type { JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import type { RegionState, SandboxState } from './state.js';

/** One message a topic accepted, as the admin API shows it. */
export interface SnsMessageRecord {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  /** Name -> {DataType, StringValue} as published. */
  readonly messageAttributes: Readonly<Record<string, { readonly DataType: string; readonly StringValue?: string }>>;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
  readonly sequenceNumber?: string;
  /** Simulated ISO time it was published. */
  readonly publishedAt: string;
}

interface TopicRecord {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  readonly attributes: Record<string, string>;
  readonly messages: SnsMessageRecord[];
  /** FIFO: deduplication id -> [message id, accepted at (simulated ms)]. */
  readonly dedup: Map<string, readonly [string, number]>;
  sequence: bigint;
}

const MAX_MESSAGES_PER_TOPIC = 10_000;
const DEDUP_WINDOW_MS = 5 * 60_000;
const MAX_SUBJECT = 100;
const MAX_MESSAGE_BYTES = 256 * 1024;
const LIST_PAGE = 100;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):(.+)$/;

const topicsByRegion = new WeakMap<RegionState, Map<string, TopicRecord>>();

function topicsOf(state: RegionState): Map<string, TopicRecord> {
  let topics = topicsByRegion.get(state);
  if (!topics) {
    topics = new Map();
    topicsByRegion.set(state, topics);
  }
  return topics;
}

const invalid = (message: string): SandboxApiError => new SandboxApiError('InvalidParameter', message);
const notFound = (): SandboxApiError => new SandboxApiError('NotFound', 'Topic does not exist', 404);

/** Query-protocol maps: `Prefix.entry.N.<key>` / `.<value>` (key and value member names differ per map). */
function queryMap(input: JsonObject, prefix: string, key: string, value: string): Map<string, Record<string, string>> {
  const entries = new Map<string, Record<string, string>>();
  const re = new RegExp(`^${prefix}\\.entry\\.(\\d+)\\.(.+)$`);
  for (const [param, raw] of Object.entries(input)) {
    const m = re.exec(param);
    if (!m || typeof raw !== 'string') continue;
    const entry = entries.get(m[1] as string) ?? {};
    entry[m[2] as string] = raw;
    entries.set(m[1] as string, entry);
  }
  const out = new Map<string, Record<string, string>>();
  for (const entry of entries.values()) {
    const name = entry[key];
    if (name === undefined) continue;
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry)) {
      if (k === value) fields[''] = v;
      else if (k.startsWith(`${value}.`)) fields[k.slice(value.length + 1)] = v;
    }
    out.set(name, fields);
  }
  return out;
}

function stringParam(input: JsonObject, name: string): string | undefined {
  const v = input[name];
  return typeof v === 'string' ? v : undefined;
}

export function createTopic(ctx: OpContext, input: JsonObject): JsonObject {
  const name = stringParam(input, 'Name') ?? '';
  const attributes = Object.fromEntries([...queryMap(input, 'Attributes', 'key', 'value')].map(([k, v]) => [k, v[''] ?? '']));
  const fifoName = name.endsWith('.fifo');
  const base = fifoName ? name.slice(0, -'.fifo'.length) : name;
  if (!TOPIC_NAME.test(base)) {
    throw invalid('Invalid parameter: Topic Name');
  }
  const fifo = attributes.FifoTopic === 'true';
  if (fifo !== fifoName) throw invalid('Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.');
  const topics = topicsOf(ctx.state);
  const existing = topics.get(name);
  if (existing) return { TopicArn: existing.arn };
  const arn = `arn:aws:sns:${ctx.state.region}:${ctx.state.account}:${name}`;
  topics.set(name, { arn, name, fifo, attributes, messages: [], dedup: new Map(), sequence: 10_000_000_000_000_000_000n });
  return { TopicArn: arn };
}

export function deleteTopic(ctx: OpContext, input: JsonObject): JsonObject {
  const arn = stringParam(input, 'TopicArn') ?? '';
  const m = TOPIC_ARN.exec(arn);
  if (!m) throw invalid('Invalid parameter: TopicArn');
  // Deleting a topic that does not exist succeeds, as on SNS.
  if (m[1] === ctx.state.region && m[2] === ctx.state.account) topicsOf(ctx.state).delete(m[3] as string);
  return {};
}

export function listTopics(ctx: OpContext, input: JsonObject): JsonObject {
  const all = [...topicsOf(ctx.state).values()].map((t) => t.arn).sort();
  const token = stringParam(input, 'NextToken');
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw invalid('Invalid parameter: NextToken');
  const page = all.slice(start, start + LIST_PAGE);
  const next = start + LIST_PAGE < all.length ? Buffer.from(String(start + LIST_PAGE)).toString('base64') : undefined;
  return { Topics: page.map((TopicArn) => ({ TopicArn })), ...(next ? { NextToken: next } : {}) };
}

/** The topic an ARN names, as the caller's account and Region see it. */
function topicFor(ctx: OpContext, arn: string): TopicRecord {
  const m = TOPIC_ARN.exec(arn);
  if (!m) throw invalid('Invalid parameter: TopicArn');
  if (m[2] !== ctx.state.account) {
    // No topic policies here: another account's topic is never granted.
    throw new SandboxApiError('AuthorizationError', `User: arn:aws:iam::${ctx.state.account}:root is not authorized to perform: SNS:Publish on resource: ${arn}`, 403);
  }
  if (m[1] !== ctx.state.region) throw invalid('Invalid parameter: TopicArn');
  const topic = topicsOf(ctx.state).get(m[3] as string);
  if (!topic) throw notFound();
  return topic;
}

export function publish(ctx: OpContext, input: JsonObject): JsonObject {
  const arn = stringParam(input, 'TopicArn') ?? stringParam(input, 'TargetArn');
  if (arn === undefined) throw invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  const message = stringParam(input, 'Message');
  if (message === undefined || message === '') throw invalid('Invalid parameter: Empty message');
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) throw invalid('Invalid parameter: Message too long');
  const subject = stringParam(input, 'Subject');
  if (subject !== undefined && (subject === '' || subject.length > MAX_SUBJECT || !/^[\x20-\x7e]+$/.test(subject) || /^\s/.test(subject))) {
    throw invalid('Invalid parameter: Subject');
  }
  const topic = topicFor(ctx, arn);
  const messageAttributes: Record<string, { DataType: string; StringValue?: string }> = {};
  for (const [name, value] of queryMap(input, 'MessageAttributes', 'Name', 'Value')) {
    const dataType = value.DataType;
    if (!dataType || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw invalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    if (value.StringValue === undefined && value.BinaryValue === undefined) {
      throw invalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
    }
    messageAttributes[name] = { DataType: dataType, ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}) };
  }
  const groupId = stringParam(input, 'MessageGroupId');
  let dedupId = stringParam(input, 'MessageDeduplicationId');
  if (topic.fifo) {
    if (groupId === undefined) throw invalid('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    if (dedupId === undefined) {
      if (topic.attributes.ContentBasedDeduplication !== 'true') {
        throw invalid('Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
      dedupId = createHash('sha256').update(message).digest('hex');
    }
    for (const [id, [, at]] of topic.dedup) if (at + DEDUP_WINDOW_MS <= ctx.now) topic.dedup.delete(id);
    const seen = topic.dedup.get(dedupId);
    if (seen) return { MessageId: seen[0], SequenceNumber: String(topic.sequence) };
  } else if (dedupId !== undefined) {
    throw invalid('Invalid parameter: The request includes MessageDeduplicationId parameter that is not valid for this topic type');
  }
  const messageId = randomUUID();
  const record: SnsMessageRecord = {
    messageId, topicArn: topic.arn, message, messageAttributes,
    ...(subject !== undefined ? { subject } : {}),
    ...(topic.fifo ? { messageGroupId: groupId as string, messageDeduplicationId: dedupId as string } : {}),
    ...(topic.fifo ? { sequenceNumber: String((topic.sequence += 1n)) } : {}),
    publishedAt: new Date(ctx.now).toISOString(),
  };
  if (topic.fifo) topic.dedup.set(dedupId as string, [messageId, ctx.now]);
  topic.messages.push(record);
  if (topic.messages.length > MAX_MESSAGES_PER_TOPIC) topic.messages.splice(0, topic.messages.length - MAX_MESSAGES_PER_TOPIC);
  return { MessageId: messageId, ...(record.sequenceNumber ? { SequenceNumber: record.sequenceNumber } : {}) };
}

/**
 * What a topic received, oldest first (the admin view). The ARN names the
 * account and Region; an unknown topic is the same NotFound Publish answers.
 */
export function snsMessages(all: SandboxState, topicArn: string): SnsMessageRecord[] {
  const m = TOPIC_ARN.exec(topicArn);
  if (!m) throw new SandboxApiError('InvalidParameter', `topicArn ${JSON.stringify(topicArn)} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
  const state = all.peek(m[2] as string, m[1] as string);
  const topic = state ? topicsByRegion.get(state)?.get(m[3] as string) : undefined;
  if (!topic) throw notFound();
  return [...topic.messages];
}
