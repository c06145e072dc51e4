/**
 * Secrets never reach a rendering: planted values under `secrets` and in
 * secret-looking environment variables are masked in text and JSON output,
 * wherever in a change they sit, while a short hash still shows a change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  diffService,
  maskChanges,
  MASK_PREFIX,
  maskValue,
  renderDiffJson,
  renderDiffText,
  serviceDiffResult,
  type Change,
} from '../../src/diff/index.js';
import { baseSpec, container, liveContainer, liveService, liveTags, liveTaskDefinition, manifestOf } from './fixtures.js';

const PLANTED_DESIRED = 'hunter2-desired-Zq9';
const PLANTED_LIVE = 'hunter2-live-Xy7';
const PLANTED_ARN_DESIRED = 'arn:aws:secretsmanager:eu-west-1:1:secret:db-new-AbCdEf';
const PLANTED_ARN_LIVE = 'arn:aws:secretsmanager:eu-west-1:1:secret:db-old-GhIjKl';

function plantedScenario() {
  const spec = baseSpec();
  container(spec).environment = [
    { name: 'LOG_LEVEL', value: 'debug' },
    { name: 'DB_PASSWORD', value: PLANTED_DESIRED },
    { name: 'api_token', value: PLANTED_DESIRED },
  ];
  container(spec).secrets = [{ name: 'DB', valueFrom: PLANTED_ARN_DESIRED }];
  const td = liveTaskDefinition();
  liveContainer(td).environment = [
    { name: 'DB_PASSWORD', value: PLANTED_LIVE },
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'SERVICE_KEY', value: PLANTED_LIVE },
  ];
  liveContainer(td).secrets = [{ name: 'DB', valueFrom: PLANTED_ARN_LIVE }];
  return { spec, td };
}

function renderings(changes: Change[]): string[] {
  const results = [serviceDiffResult('eu-west-1/prod/web', changes)];
  return [renderDiffText(results, { colour: false }), renderDiffText(results, { colour: true }), renderDiffJson(results)];
}

describe('secret masking', () => {
  it('planted secrets appear in no rendering, while non-secret values do', () => {
    const { spec, td } = plantedScenario();
    const changes = diffService(manifestOf(spec), { service: liveService(), taskDefinition: td, tags: liveTags() });
    expect(changes.length).toBeGreaterThanOrEqual(4);
    for (const output of renderings(changes)) {
      for (const secret of [PLANTED_DESIRED, PLANTED_LIVE, PLANTED_ARN_DESIRED, PLANTED_ARN_LIVE]) expect(output).not.toContain(secret);
      expect(output).toContain('debug');
      expect(output).toContain(MASK_PREFIX);
    }
  });

  it('masks inside whole-container and whole-service changes too', () => {
    const { spec, td } = plantedScenario();
    (td.containerDefinitions as unknown[]).push({ name: 'sidecar', image: 'x', environment: [{ name: 'AWS_SECRET_ACCESS_KEY', value: PLANTED_LIVE }] });
    const changed = diffService(manifestOf(spec), { service: liveService(), taskDefinition: td, tags: liveTags() });
    const missing = diffService(manifestOf(spec), { service: undefined });
    expect(missing[0]?.pointer).toBe('/spec');
    for (const changes of [changed, missing]) {
      for (const output of renderings(changes)) {
        for (const secret of [PLANTED_DESIRED, PLANTED_LIVE, PLANTED_ARN_DESIRED, PLANTED_ARN_LIVE]) expect(output).not.toContain(secret);
      }
    }
  });

  it('the hash differs when the value differs and is stable for equal values', () => {
    const { spec, td } = plantedScenario();
    const changes = maskChanges(diffService(manifestOf(spec), { service: liveService(), taskDefinition: td, tags: liveTags() }));
    const secret = changes.find((c) => c.pointer.endsWith('/secrets/0'));
    expect(secret).toBeDefined();
    const desired = (secret?.desired as { valueFrom: string }).valueFrom;
    const live = (secret?.live as { valueFrom: string }).valueFrom;
    expect(desired).toMatch(/^\*\*\*sha256:[0-9a-f]{32}$/);
    expect(desired).not.toBe(live);
    expect(maskValue(PLANTED_ARN_DESIRED)).toBe(desired);
    // Masking twice changes nothing.
    expect(maskChanges(changes)).toEqual(changes);
  });

  it('a custom name pattern and a mask key are honoured', () => {
    const change: Change = {
      pointer: '/spec/taskDefinition/containerDefinitions/0/environment/0',
      desired: { name: 'INTERNAL_URL', value: 'https://a' },
      live: { name: 'INTERNAL_URL', value: 'https://b' },
      kind: 'changed',
      scope: 'taskDefinition',
    };
    expect(maskChanges([change])[0]).toEqual(change);
    const masked = maskChanges([change], { secretNamePattern: /URL$/, maskKey: 'k1' })[0];
    expect(JSON.stringify(masked)).not.toContain('https://');
    expect(masked?.desired).toEqual({ name: 'INTERNAL_URL', value: maskValue('https://a', { maskKey: 'k1' }) });
    expect(maskValue('https://a', { maskKey: 'k1' })).not.toBe(maskValue('https://a', { maskKey: 'k2' }));
  });

  it('property: any planted value in secrets or secret-named env never leaks', () => {
    fc.assert(
      // The marker keeps a short random value from matching ordinary output text by chance.
      fc.property(fc.stringMatching(/^[A-Za-z0-9!#%&()*+,.:;<=>?@^_{|}~ -]{1,24}$/).map((s) => `Qx7!${s}`), (planted) => {
        const spec = baseSpec();
        container(spec).environment = [{ name: 'MY_PASSWORD', value: planted }];
        container(spec).secrets = [{ name: 'X', valueFrom: `${planted}-ref` }];
        const changes = diffService(manifestOf(spec), { service: liveService(), taskDefinition: liveTaskDefinition(), tags: liveTags() });
        for (const output of renderings(changes)) expect(output).not.toContain(planted);
      }),
      { numRuns: 100 },
    );
  });
});
