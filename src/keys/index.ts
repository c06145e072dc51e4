/** Typed resource keys: one place builds and parses them (see resource-key.ts). */
export * from './resource-key.js';
