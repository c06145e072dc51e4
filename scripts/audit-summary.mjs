#!/usr/bin/env node
/* global console, process */
/**
 * Reads `npm audit --omit=dev --json` output (file argument) and fails when a
 * runtime dependency has a known high or critical vulnerability. The advisory
 * endpoint is a POST that some registry mirrors refuse (405): then it says so
 * and passes, because no answer is not a finding. Anything else it cannot
 * read fails, so a changed npm output format is noticed.
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: audit-summary.mjs <npm-audit.json>');
  process.exit(2);
}
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`npm audit: cannot read ${file} as JSON: ${err.message}`);
  process.exit(1);
}
const counts = report?.metadata?.vulnerabilities;
if (counts && typeof counts === 'object') {
  const serious = (counts.high ?? 0) + (counts.critical ?? 0);
  const summary = ['critical', 'high', 'moderate', 'low', 'info'].map((level) => `${level} ${counts[level] ?? 0}`).join(', ');
  console.log(`npm audit --omit=dev: ${summary}`);
  process.exit(serious > 0 ? 1 : 0);
}
const status = report?.statusCode ?? report?.error?.statusCode;
const message = report?.message ?? report?.error?.summary ?? report?.error?.message;
if (typeof status === 'number' || typeof message === 'string') {
  console.log(`npm audit --omit=dev: not available from this registry (${message ?? `HTTP ${status}`}); no advisories were checked`);
  process.exit(0);
}
console.error('npm audit: unrecognised output; expected metadata.vulnerabilities or an error');
process.exit(1);
