import { notImplemented } from './not-implemented.js';

export const exportCommand = notImplemented('export', 'export');
