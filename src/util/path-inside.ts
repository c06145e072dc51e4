import path from 'node:path';

/**
 * True when `candidate` is `root` or below it (both absolute and resolved).
 * A name that merely starts with two dots (`..config`) is inside.
 */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
