/** The ECS access layer: the only part of ecs-gitops that talks to AWS. */
export * from './ecs-api.js';
export * from './aws-error.js';
export * from './token-bucket.js';
export * from './rate-limits.js';
export * from './rate-limited-ecs.js';
export * from './ecs-reader.js';
export * from './call-counter.js';
export { createSdkEcsApi, ecsApiFromClient, type SdkEcsOptions } from './sdk-adapter.js';
export * from './ecr-api.js';
export * from './image-resolver.js';
