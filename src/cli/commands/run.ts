import { notImplemented } from './not-implemented.js';

export const runCommand = notImplemented('run', 'run');
