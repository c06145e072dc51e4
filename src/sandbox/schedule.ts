/**
 * Schedule expressions for the sandbox's scaling simulation. The pure logic
 * (parsing, next run) lives in src/diff/schedule-next-fire.ts, shared with
 * the controller's next-fire-time status for scheduled tasks.
 */
export * from '../diff/schedule-next-fire.js';
