/**
 * checkEnvironmentReferences (render-api.ts): the document-level checks of a
 * document's environments, run once per document (renderDocument runs once
 * per environment, so what does not depend on one environment is said here,
 * once). Pure: no IO.
 *
 * - metadata.environments, when present, is a non-empty list of distinct
 *   strings, each the name of a declared `kind: Environment`.
 * - spec.environments, when present, needs metadata.environments, is a
 *   mapping, and each key is listed in metadata.environments. Whether each
 *   value is a mapping is said by renderDocument, which renders every listed
 *   key (an unlisted key is reported here).
 */
import type { RuleProblem } from '../manifests/rule-problem.js';
import { closestMatch } from '../util/did-you-mean.js';
import type { CheckEnvironmentReferences } from './render-api.js';
import { child, describeType, isMapping } from './merge-patch.js';

function declaredList(declared: ReadonlySet<string>): string {
  return declared.size === 0 ? 'no kind: Environment is declared' : `declared: ${[...declared].sort().join(', ')}`;
}

function suggestion(name: string, candidates: Iterable<string>): string {
  const guess = closestMatch(name, candidates);
  return guess === undefined ? '' : ` (did you mean ${guess}?)`;
}

export const checkEnvironmentReferences: CheckEnvironmentReferences = (document, declared) => {
  const problems: RuleProblem[] = [];
  const say = (problem: Omit<RuleProblem, 'message'> & { readonly message: string }): void => {
    problems.push({ ...problem, message: `${problem.pointer}: ${problem.message}` });
  };
  const metadata = isMapping(document.metadata) ? document.metadata : {};
  const spec = isMapping(document.spec) ? document.spec : {};

  let listed: Set<string> | undefined;
  if (Object.hasOwn(metadata, 'environments')) {
    const environments = metadata.environments;
    const pointer = '/metadata/environments';
    if (!Array.isArray(environments)) {
      say({ code: 'MANIFEST_WRONG_TYPE', pointer, message: `must be a list of environment names, not ${describeType(environments)}` });
    } else if (environments.length === 0) {
      say({ code: 'MANIFEST_INVALID_VALUE', pointer, message: `must name at least one environment (${declaredList(declared)}); remove it for a single-target document` });
    } else {
      listed = new Set();
      environments.forEach((name: unknown, index) => {
        const itemPointer = child(pointer, index);
        if (typeof name !== 'string') {
          say({ code: 'MANIFEST_WRONG_TYPE', pointer: itemPointer, message: `must be an environment name, not ${describeType(name)}` });
          return;
        }
        if (listed?.has(name)) {
          say({ code: 'MANIFEST_INVALID_VALUE', pointer: itemPointer, message: `${name} is listed twice: list each environment once` });
          return;
        }
        listed?.add(name);
        if (!declared.has(name)) {
          say({ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: itemPointer, message: `no kind: Environment is named ${name}${suggestion(name, declared)}; ${declaredList(declared)}` });
        }
      });
    }
  }

  if (Object.hasOwn(spec, 'environments')) {
    const overrides = spec.environments;
    const pointer = '/spec/environments';
    if (!Object.hasOwn(metadata, 'environments')) {
      say({
        code: 'MANIFEST_UNKNOWN_ENVIRONMENT',
        pointer,
        target: 'key',
        message: `overrides need metadata.environments listing the environments this document is rendered for (${declaredList(declared)})`,
      });
    } else if (!isMapping(overrides)) {
      say({ code: 'MANIFEST_WRONG_TYPE', pointer, message: `must be a mapping of environment name: override, not ${describeType(overrides)}` });
    } else if (listed !== undefined) {
      for (const name of Object.keys(overrides)) {
        if (listed.has(name)) continue;
        const keyPointer = child(pointer, name);
        const why = declared.has(name)
          ? `environment ${name} is declared but not listed in metadata.environments (${[...listed].join(', ')}): add it there, or remove this override`
          : `no kind: Environment is named ${name}${suggestion(name, listed)}; metadata.environments lists ${[...listed].join(', ')}`;
        say({ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: keyPointer, target: 'key', message: why });
      }
    }
  }
  return problems;
};
