/**
 * The fleet's page arithmetic, apart from the DOM so the unit tests run it.
 * A page number kept in the URL outlives the filtered set it counted: on
 * `health=Progressing&page=200`, once most of those services recover, the
 * server answers an empty slice past the end, and the view moves to the last
 * page instead of saying nothing matches.
 */
import { DEFAULT_PAGE_LIMIT, type FleetPage } from '../../src/web/api-types.js';

type PageSlice = Pick<FleetPage, 'matched' | 'offset' | 'limit'>;

/** The last page's number when `page` starts past the end of a non-empty set; undefined otherwise. */
export function lastPageIfPastEnd(page: PageSlice): number | undefined {
  if (page.matched <= 0 || page.offset < page.matched) return undefined;
  return Math.max(1, Math.ceil(page.matched / (page.limit || DEFAULT_PAGE_LIMIT)));
}

/** "from–to of matched", 1-based and never past `matched` (never "9951–100 of 100"). */
export function pageRange(page: PageSlice & { readonly items: { readonly length: number } }): { from: number; to: number } {
  if (page.matched <= 0) return { from: 0, to: 0 };
  const from = Math.min(page.offset + 1, page.matched);
  const to = Math.max(from, Math.min(page.offset + page.items.length, page.matched));
  return { from, to };
}
