import { notImplemented } from './not-implemented.js';

export const validateCommand = notImplemented('validate', 'validate');
