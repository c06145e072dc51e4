/**
 * README sections that are copies of docs/*.md, kept identical by
 * `npm run docs:readme` and checked by a test, so the README (the user's front
 * door) and the reference docs (tested against the code) cannot drift apart.
 * Included docs move one heading level down and their relative links are
 * rewritten to work from the repository root.
 */
import { readFileSync } from 'node:fs';

const INCLUDE = /<!-- include: (docs\/[\w.-]+\.md) -->\n[\s\S]*?<!-- end include: \1 -->/g;

function rebaseLinks(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) inFence = !inFence;
      if (inFence) return line;
      const shifted = /^#{1,5} /.test(line) ? `#${line}` : line;
      return shifted.replace(/\]\((?!https?:|#|mailto:)([^)]+)\)/g, (_match, target: string) => {
        const rebased = target.startsWith('../') ? target.slice(3) : `docs/${target}`;
        return `](${rebased})`;
      });
    })
    .join('\n');
}

export function renderIncludes(readme: string, readDoc: (path: string) => string): string {
  return readme.replace(INCLUDE, (_block, path: string) =>
    `<!-- include: ${path} -->\n${rebaseLinks(readDoc(path).trimEnd())}\n<!-- end include: ${path} -->`,
  );
}

export function readDocFrom(root: URL): (path: string) => string {
  return (path) => readFileSync(new URL(path, root), 'utf8');
}
