/**
 * The documentation holds together: every relative link in README.md and
 * docs/*.md leads to a file that exists (and, for a `#section`, to a heading
 * that exists), and the code (comments and strings in src/, test/, bench/,
 * scripts/) cites only documents of this repository. Design notes kept
 * outside the repository are not there for the next reader, so what the code
 * relies on belongs in docs/ (docs/architecture.md, "Conventions").
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return walk(full, keep);
    return entry.isFile() && keep(full) ? [full] : [];
  });
}

/** The anchors GitHub gives a Markdown file's headings (lower case, punctuation dropped, spaces to dashes, -1, -2 for repeats). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fenceMark) {
      fence = fence === undefined ? fenceMark : fence === fenceMark ? undefined : fence;
      continue;
    }
    if (fence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** Relative link targets of a Markdown text, outside code blocks and inline code. */
function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Broken links of one Markdown file, as "file: target (why)". */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return markdownLinks(text).flatMap((target) => {
    const [pathPart = '', anchor] = target.split('#', 2);
    const targetFile = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
    if (!existsSync(targetFile)) return [`${rel(file)}: ${target} (no such file)`];
    if (anchor === undefined || !targetFile.endsWith('.md')) return [];
    return headingAnchors(readFileSync(targetFile, 'utf8')).has(anchor.toLowerCase()) ? [] : [`${rel(file)}: ${target} (no such heading)`];
  });
}

const markdownFiles = [path.join(root, 'README.md'), ...walk(path.join(root, 'docs'), (f) => f.endsWith('.md'))];
const repoMarkdownNames = new Set(walk(root, (f) => f.endsWith('.md')).map((f) => path.basename(f)));

/** Comments and string literals of a source file: where code cites documents. */
function commentsAndStrings(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const kind = /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found = new Map<number, string>();
  const addComments = (ranges: readonly ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) found.set(range.pos, text.slice(range.pos, range.end));
  };
  const visit = (node: ts.Node) => {
    addComments(ts.getLeadingCommentRanges(text, node.getFullStart()));
    addComments(ts.getTrailingCommentRanges(text, node.getEnd()));
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) found.set(node.getStart(), node.getText());
    ts.forEachChild(node, visit);
  };
  visit(source);
  addComments(ts.getLeadingCommentRanges(text, source.endOfFileToken.getFullStart()));
  return [...found.values()];
}

/** Bad citations in the comments and strings of one source file, as "file -> target". */
function badCitations(file: string, snippets: readonly string[]): string[] {
  return snippets.flatMap((snippet) =>
    [...snippet.matchAll(/[\w./-]*\.md(?:#[\w-]+)?\b/g)].flatMap((match) => {
      const cited = match[0];
      const [citedPath = '', anchor] = cited.split('#', 2);
      const entry = `${rel(file)} -> ${cited}`;
      if (!repoMarkdownNames.has(path.basename(citedPath))) return [entry];
      // A path into docs/ must name a real page (and heading): docs/x.md, ../../docs/x.md#part.
      const docsPath = /(?:^|\/)(docs\/[\w.-]+\.md)$/.exec(citedPath)?.[1];
      if (docsPath === undefined) return [];
      const target = path.join(root, docsPath);
      if (!existsSync(target)) return [entry];
      if (anchor !== undefined && !headingAnchors(readFileSync(target, 'utf8')).has(anchor)) return [`${entry} (no such heading)`];
      return [];
    }),
  );
}

describe('documentation links', () => {
  it('computes the anchors GitHub gives headings', () => {
    const anchors = headingAnchors('# One reconcile pass (`src/controller/x.ts`)\n## moto 5.2.1 vs real ECS\n```\n# not a heading\n```\n## Tags\n## Tags\n');
    expect([...anchors]).toEqual(['one-reconcile-pass-srccontrollerxts', 'moto-521-vs-real-ecs', 'tags', 'tags-1']);
  });

  it('finds relative links outside code', () => {
    expect(markdownLinks('[a](docs/a.md#x) [web](https://e.com) `[no](b.md)` [c](#here)\n```\n[no](c.md)\n```\n')).toEqual(['docs/a.md#x', '#here']);
  });

  it('README.md and docs/*.md link only to files and headings that exist', () => {
    expect(markdownFiles.length).toBeGreaterThan(5);
    expect(markdownFiles.flatMap(brokenLinks)).toEqual([]);
  });

  it('the README links to every page of docs/', () => {
    const readmeLinks = new Set(markdownLinks(readFileSync(path.join(root, 'README.md'), 'utf8')).map((target) => target.split('#')[0]));
    const pages = markdownFiles.slice(1).map(rel);
    expect(pages.filter((page) => !readmeLinks.has(page))).toEqual([]);
  });
});

describe('citations in code', () => {
  const sources = ['src', 'test', 'bench', 'scripts'].flatMap((dir) =>
    walk(path.join(root, dir), (f) => /\.(?:[cm]?ts|[cm]?js)$/.test(f) && !f.endsWith('.d.ts')),
  );

  it('name only documents of this repository, and docs/ pages and sections that exist', () => {
    expect(sources.length).toBeGreaterThan(100);
    // This file is left out: its own examples name documents that do not exist.
    const others = sources.filter((file) => file !== import.meta.filename);
    expect(others.flatMap((file) => badCitations(file, commentsAndStrings(file)))).toEqual([]);
  });

  it('catch a design note kept outside the repository, and a docs/ page or section that does not exist', () => {
    const file = path.join(root, 'src/example.ts');
    expect(badCitations(file, [
      '/** Rates from ECS-FACTS.md; see README.md and docs/ecs-facts.md#api-throttling. */',
      "'moto has no pagination (docs/ecs-facts.md#moto-521-vs-real-ecs)'",
      '// docs/nope.md, docs/ecs-facts.md#no-such-section',
    ])).toEqual([
      'src/example.ts -> ECS-FACTS.md',
      'src/example.ts -> docs/nope.md',
      'src/example.ts -> docs/ecs-facts.md#no-such-section (no such heading)',
    ]);
  });

  it('are found in comments and strings, not in code', () => {
    const snippets = commentsAndStrings(path.join(root, 'test/docs/links.test.ts'));
    expect(snippets.some((snippet) => snippet.startsWith('/**') && snippet.includes('docs/architecture.md'))).toBe(true);
    expect(snippets).toContain("'src/example.ts -> ECS-FACTS.md'");
  });
});
