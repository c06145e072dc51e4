/** The README's copies of docs/*.md are current, and what it promises exists. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocFrom, renderIncludes } from '../../scripts/readme-includes.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

describe('README', () => {
  it('includes the current docs (run `npm run docs:readme` to refresh)', () => {
    expect(renderIncludes(readme, readDocFrom(root))).toBe(readme);
  });

  it('shifts included headings below the README title and rebases relative links', () => {
    const rendered = renderIncludes(
      '<!-- include: docs/x.md -->\n<!-- end include: docs/x.md -->',
      () => '# Title\n\n[schema](../schema/a.json) [other](other.md) [web](https://e.com) [here](#anchor)\n```\n# not a heading\n```\n',
    );
    expect(rendered).toBe(
      '<!-- include: docs/x.md -->\n## Title\n\n[schema](schema/a.json) [other](docs/other.md) [web](https://e.com) [here](#anchor)\n```\n# not a heading\n```\n<!-- end include: docs/x.md -->',
    );
  });

  it('links only to files that exist', () => {
    const targets = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)].map((m) => m[1] as string);
    expect(targets.length).toBeGreaterThan(3);
    expect(targets.filter((target) => !existsSync(new URL(target, root)))).toEqual([]);
  });

  it('keeps the two-command quick start', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
    const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBeDefined();
    expect(scripts.test).toBe('vitest run');
  });
});
