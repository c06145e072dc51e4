/** Small display helpers shared by the views. */

/** A Git sha cut to 7 characters; a plain directory's `unversioned:<hash>` keeps its prefix (ecs-gitops status does the same). */
export function shortSha(revision: string | undefined): string {
  if (!revision) return '—';
  const match = /^(unversioned:)?([0-9a-f]{12,})$/i.exec(revision);
  return match ? `${match[1] ?? ''}${(match[2] ?? '').slice(0, 7)}` : revision;
}

/** Rollout states that mean "done, nothing to see": the deployments API says SUCCESSFUL, rolloutState COMPLETED. */
export function rolloutSettled(state: string | undefined): boolean {
  return state === undefined || state === 'COMPLETED' || state === 'SUCCESSFUL';
}

/** "3 min ago" for a recent ISO time, the date and time beyond a day; the exact time goes in a title/datetime. */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(at).toLocaleString();
}

/** A diff value readably: strings as they are, absent as "(absent)", anything else as indented JSON. */
export function displayValue(value: unknown): { text: string; block: boolean } {
  if (value === undefined) return { text: '(absent)', block: false };
  if (typeof value === 'string') return { text: value, block: value.includes('\n') };
  if (value === null || typeof value !== 'object') return { text: JSON.stringify(value), block: false };
  const text = JSON.stringify(value, null, 2);
  return { text, block: text.includes('\n') };
}

/** Only same-origin paths and http(s) links are rendered as links (a `javascript:` URL from a bad config would run). */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (/^https?:\/\//i.test(url) || (url.startsWith('/') && !url.startsWith('//'))) return url;
  return undefined;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
