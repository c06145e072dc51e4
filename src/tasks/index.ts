/** One-off ECS tasks: deploy hooks and `ecs-gitops run-task` (one-off-task.ts). */
export * from './one-off-task.js';
