import { notImplemented } from './not-implemented.js';

export const sandboxCommand = notImplemented('sandbox', 'sandbox');
