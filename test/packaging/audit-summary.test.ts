/**
 * scripts/audit-summary.mjs, the .ci/run step that fails the build on known
 * high or critical vulnerabilities in runtime dependencies (issue 10).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = new URL('../../scripts/audit-summary.mjs', import.meta.url).pathname;
const dir = mkdtempSync(path.join(os.tmpdir(), 'ecs-gitops-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function summarize(name: string, content: string): { code: number; output: string } {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  try {
    const stdout = execFileSync(process.execPath, [script, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

const vulnerabilities = (counts: Record<string, number>) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts } } });

describe('audit-summary', () => {
  it.each([
    ['no vulnerabilities', vulnerabilities({}), 0, 'critical 0, high 0, moderate 0, low 0, info 0'],
    ['moderate and low only', vulnerabilities({ moderate: 2, low: 1 }), 0, 'moderate 2, low 1'],
    ['a high one', vulnerabilities({ high: 1 }), 1, 'high 1'],
    ['a critical one', vulnerabilities({ critical: 1 }), 1, 'critical 1'],
    ['a registry that refuses the advisory endpoint', JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 }), 0, 'not available from this registry (405 Method Not Allowed'],
    ['npm\'s own error shape', JSON.stringify({ error: { code: 'ENOAUDIT', summary: 'Your configured registry does not support audit requests.' } }), 0, 'does not support audit requests'],
    ['output it does not recognise', JSON.stringify({ something: 'else' }), 1, 'unrecognised output'],
    ['not JSON', 'npm ERR! something broke', 1, 'cannot read'],
  ])('%s: exit %s', (_name, content, code, text) => {
    const result = summarize(`${code}-${text.length}.json`, content);
    expect(result.code).toBe(code);
    expect(result.output).toContain(text);
  });
});
