/**
 * The envelope every document shares (a mapping with apiVersion and kind).
 * Checked before the schema so a wrong kind gives one clear problem instead
 * of a schema's worth of confusion.
 */
import { closestMatch } from '../util/did-you-mean.js';
import { MANIFEST_KINDS } from './manifest-schema.js';
import type { ManifestKind } from './manifest-validator.js';
import type { RuleProblem } from './rule-problem.js';
import { API_VERSION } from './types.js';
import { describeValue } from './value-describe.js';

const KINDS: readonly ManifestKind[] = MANIFEST_KINDS;
/** "Service, Cluster, CapacityProvider, ScheduledTask or Environment" */
export const KINDS_TEXT = `${KINDS.slice(0, -1).join(', ')} or ${KINDS[KINDS.length - 1] as string}`;

export type EnvelopeResult =
  | { readonly ok: true; readonly kind: ManifestKind; readonly document: Readonly<Record<string, unknown>>; readonly problems: readonly RuleProblem[] }
  | { readonly ok: false; readonly problems: readonly RuleProblem[] };

export function checkEnvelope(value: unknown): EnvelopeResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problems: [{
        code: 'MANIFEST_NOT_A_MAPPING',
        pointer: '',
        message: `the document is ${describeValue(value)}, not a mapping; a manifest starts with apiVersion: ${API_VERSION} and kind: ${KINDS_TEXT}`,
      }],
    };
  }
  const document = value as Readonly<Record<string, unknown>>;
  const problems: RuleProblem[] = [];
  const apiVersion = document.apiVersion;
  if (apiVersion === undefined) {
    problems.push({ code: 'MANIFEST_MISSING_FIELD', pointer: '/apiVersion', locateAt: '', message: `/apiVersion: missing required field "apiVersion"; write apiVersion: ${API_VERSION}` });
  } else if (apiVersion !== API_VERSION) {
    problems.push({ code: 'MANIFEST_BAD_API_VERSION', pointer: '/apiVersion', message: `/apiVersion: expected "${API_VERSION}", found ${describeValue(apiVersion)}` });
  }
  const kind = document.kind;
  if (kind === undefined) {
    problems.push({ code: 'MANIFEST_MISSING_FIELD', pointer: '/kind', locateAt: '', message: `/kind: missing required field "kind"; write kind: ${KINDS_TEXT}` });
    return { ok: false, problems };
  }
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    const suggestion = typeof kind === 'string' ? closestMatch(kind, KINDS) : undefined;
    problems.push({
      code: 'MANIFEST_UNKNOWN_KIND',
      pointer: '/kind',
      message: `/kind: ${describeValue(kind)} is not a kind ecs-gitops knows; expected ${KINDS_TEXT}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    });
    return { ok: false, problems };
  }
  return { ok: true, kind: kind as ManifestKind, document, problems };
}
