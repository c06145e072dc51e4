import { fleetHash, type FleetQuery } from './route.js';

/** Go to a fleet query: a new history entry (Back returns), or replacing the current one (typing in the search box). */
export function navigateFleet(query: FleetQuery, options: { readonly replace?: boolean } = {}): void {
  const hash = fleetHash(query);
  if (hash === location.hash || (hash === '#/' && (location.hash === '' || location.hash === '#'))) return;
  if (options.replace) {
    history.replaceState(history.state, '', hash);
    // replaceState fires no hashchange: tell the app itself.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = hash;
  }
}
