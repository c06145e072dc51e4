import { notImplemented } from './not-implemented.js';

export const syncCommand = notImplemented('sync', 'sync');
