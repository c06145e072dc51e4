import { notImplemented } from './not-implemented.js';

export const diffCommand = notImplemented('diff', 'diff');
