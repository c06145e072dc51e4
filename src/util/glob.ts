/**
 * `*`-wildcard patterns (cluster allow-lists, IAM-style action names) as
 * regular expressions: `*` matches any run of characters, everything else,
 * regex metacharacters included, is literal. Pure.
 */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const literal = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`, `s${flags}`);
}
