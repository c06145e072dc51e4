/**
 * Finds an AWS API model (ECS, Application Auto Scaling, CloudWatch,
 * EventBridge Scheduler) inside
 * the botocore Python package (the only place the generator touches Python)
 * and reads it, gzipped or not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { BotocoreModel } from './ecs-schema-generator.js';

export interface LocatedModel {
  readonly modelPath: string;
  readonly version: string;
}

/** botocore's folder and API version of each model the generator reads. */
export const BOTOCORE_MODELS = {
  ecs: { service: 'ecs', apiVersion: '2014-11-13' },
  applicationAutoScaling: { service: 'application-autoscaling', apiVersion: '2016-02-06' },
  cloudWatch: { service: 'cloudwatch', apiVersion: '2010-08-01' },
  scheduler: { service: 'scheduler', apiVersion: '2021-06-30' },
} as const;

export type BotocoreModelName = keyof typeof BOTOCORE_MODELS;

/** undefined when python3 or botocore (or that service's model) is missing. */
export function locateBotocoreModel(name: BotocoreModelName = 'ecs'): LocatedModel | undefined {
  const probe = spawnSync(
    'python3',
    ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__));print(botocore.__version__)'],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0 || typeof probe.stdout !== 'string') return undefined;
  const [dir, version] = probe.stdout.trim().split('\n');
  if (!dir || !version) return undefined;
  const { service, apiVersion } = BOTOCORE_MODELS[name];
  const base = path.join(dir, 'data', service, apiVersion, 'service-2.json');
  for (const candidate of [base, `${base}.gz`]) {
    if (existsSync(candidate)) return { modelPath: candidate, version };
  }
  return undefined;
}

export function readBotocoreModel(modelPath: string): BotocoreModel {
  const raw = readFileSync(modelPath);
  const text = modelPath.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return JSON.parse(text) as BotocoreModel;
}
