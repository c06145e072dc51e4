/**
 * The source role: where manifest snapshots come from. The controller takes a
 * `ManifestSource`; the CLI builds one of the two implementations and, for
 * the built-in fetch, mounts the webhook handler on the HTTP server.
 */
export type {
  KeyChanges,
  LoadManifests,
  ManifestSource,
  RevisionedSnapshot,
  SnapshotChanges,
  SnapshotListener,
  SourceErrorListener,
  SourceLogger,
} from './manifest-source.js';
export { changedKeys, isEmptyChange } from './changed-keys.js';
export { createCheckoutSource, type CheckoutSource, type CheckoutSourceOptions } from './checkout-source.js';
export {
  createGitFetchSource,
  type FetchResult,
  type GitFetchSource,
  type GitFetchSourceOptions,
  type SignatureVerification,
} from './git-fetch-source.js';
export type { GitCredentials } from './git-credentials.js';
export { readConsistentSnapshot, type ConsistentSnapshotOptions, type ConsistentSnapshotResult } from './consistent-snapshot.js';
export { readRevision, snapshotContentHash, UNVERSIONED, DIRTY_SUFFIX } from './revision.js';
export {
  createWebhookHandler,
  refMatches,
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  type PushEvent,
  type WebhookHandler,
  type WebhookOptions,
  type WebhookRequest,
  type WebhookResponse,
} from './webhook.js';
