/**
 * Vitest global setup: builds the browser UI (scripts/build-ui.ts) once
 * before the suite, so the web server's tests and the browser tests serve
 * the bundle of the code under test, never a stale dist/ui from an earlier
 * checkout. The build takes well under a second; a build error fails the run
 * with esbuild's message.
 */
import type { TestProject } from 'vitest/node';
import { buildUi, type UiManifest } from '../../scripts/build-ui.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** dist/ui/ and its manifest.json, as built for this run. */
    uiBuild: { readonly outDir: string; readonly manifest: UiManifest };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const result = await buildUi();
  project.provide('uiBuild', { outDir: result.outDir, manifest: result.manifest });
}
