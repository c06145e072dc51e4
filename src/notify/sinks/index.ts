/**
 * Builds a notifier's sinks from their specs: reads the secrets each names
 * (src/notify/secrets.ts) and hands them to the type's factory. Every factory
 * has the signature `(id, spec, secrets, deps) => Sink`. A sink is named
 * `notifier/sink` in status, metrics, logs and the journal; a sink without a
 * `name` is named after its type, `-2`, `-3` for the second and third of the
 * same type, so adding a sink at the end never renames the ones before it.
 */
import type { NotifierSinkSpec } from '../../manifests/types.js';
import { readSinkSecrets } from '../secrets.js';
import type { Sink, SinkDeps, SinkId } from '../types.js';
import { createGitHubSink } from './github.js';
import { createGitLabSink } from './gitlab.js';
import { createSlackSink } from './slack.js';
import { createSnsSink } from './sns.js';
import { createWebhookSink } from './webhook.js';

/** The sinks' names, in order: `name`, else the type with `-2`, `-3` for repeats of a type. */
export function sinkNames(specs: readonly NotifierSinkSpec[]): string[] {
  const seen = new Map<string, number>();
  return specs.map((spec) => {
    const count = (seen.get(spec.type) ?? 0) + 1;
    seen.set(spec.type, count);
    return spec.name ?? (count === 1 ? spec.type : `${spec.type}-${count}`);
  });
}

export function sinkId(notifierName: string, sinkName: string): SinkId {
  return `${notifierName}/${sinkName}`;
}

export interface CreateSinkOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly deps: SinkDeps;
  /** The notifier's sinks, of which sinkSpec is number `index`: for its default name. @default [sinkSpec] */
  readonly sinks?: readonly NotifierSinkSpec[];
}

/**
 * The sink `index` of notifier `notifierName`. Throws a GitopsError
 * (NOTIFY_SECRET_MISSING, NOTIFY_SECRET_EMPTY, NOTIFY_SINK_INVALID) when its
 * secrets cannot be read; the message names the sink, never a secret.
 */
export function createSink(notifierName: string, sinkSpec: NotifierSinkSpec, index: number, options: CreateSinkOptions): Sink {
  const name = options.sinks ? (sinkNames(options.sinks)[index] ?? sinkSpec.type) : (sinkNames([sinkSpec])[0] as string);
  const id = sinkId(notifierName, name);
  const secrets = readSinkSecrets(sinkSpec, { env: options.env, cwd: options.cwd, sinkId: id });
  switch (sinkSpec.type) {
    case 'slack':
      return createSlackSink(id, sinkSpec, secrets, options.deps);
    case 'webhook':
      return createWebhookSink(id, sinkSpec, secrets, options.deps);
    case 'sns':
      return createSnsSink(id, sinkSpec, secrets, options.deps);
    case 'github':
      return createGitHubSink(id, sinkSpec, secrets, options.deps);
    case 'gitlab':
      return createGitLabSink(id, sinkSpec, secrets, options.deps);
  }
}
