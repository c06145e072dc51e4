/**
 * Finds the ECS API model inside the botocore Python package (the only place
 * the generator touches Python) and reads it, gzipped or not.
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

/** undefined when python3 or botocore is missing. */
export function locateBotocoreModel(): LocatedModel | undefined {
  const probe = spawnSync(
    'python3',
    ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__));print(botocore.__version__)'],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0 || typeof probe.stdout !== 'string') return undefined;
  const [dir, version] = probe.stdout.trim().split('\n');
  if (!dir || !version) return undefined;
  const base = path.join(dir, 'data', 'ecs', '2014-11-13', 'service-2.json');
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
