/**
 * Resource tags as ECS models them: key/value pairs per ARN, validated on
 * write, returned as [{key, value}] in the order they were first set.
 */
import { invalidParameter } from './api-error.js';
import { isObject, type Json } from './json-input.js';
import type { RegionState } from './state.js';

export function parseTags(raw: Json | undefined): Map<string, string> {
  const tags = new Map<string, string>();
  if (raw === undefined || raw === null) return tags;
  if (!Array.isArray(raw)) throw invalidParameter('tags must be a list.');
  if (raw.length > 50) throw invalidParameter('The number of tags exceeds the limit of 50.');
  for (const t of raw) {
    if (!isObject(t) || typeof t.key !== 'string') throw invalidParameter('Each tag needs a key.');
    const value = typeof t.value === 'string' ? t.value : '';
    if (t.key.length < 1 || t.key.length > 128) throw invalidParameter(`Tag key '${t.key}' must be 1 to 128 characters.`);
    if (value.length > 256) throw invalidParameter(`Tag value for key '${t.key}' must be at most 256 characters.`);
    if (t.key.toLowerCase().startsWith('aws:')) throw invalidParameter("Tag keys beginning with 'aws:' are reserved for system use.");
    tags.set(t.key, value);
  }
  return tags;
}

export function addTags(state: RegionState, arn: string, tags: Map<string, string>): void {
  if (tags.size === 0) return;
  let existing = state.tags.get(arn);
  if (!existing) {
    existing = new Map();
    state.tags.set(arn, existing);
  }
  for (const [k, v] of tags) existing.set(k, v);
  if (existing.size > 50) throw invalidParameter('The number of tags exceeds the limit of 50.');
}

export function tagList(state: RegionState, arn: string): { key: string; value: string }[] {
  return [...(state.tags.get(arn) ?? [])].map(([key, value]) => ({ key, value }));
}
