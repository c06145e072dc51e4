/**
 * Whether the fleet page must be fetched again, from the stream's versions.
 * A page is cut at a status version (FleetPage.version) and already holds
 * every change a message of that version or older announced; refetching for
 * such a message fetches the same page twice (a batch's `service` and
 * `counts` messages both asking while the first request runs). A reset or a
 * reconnection carries no version: messages may be lost, so it always counts.
 */
export class RefetchDemand {
  /** The newest version a message asked for; -1: none. */
  private wantedVersion = -1;
  private unversioned = false;

  /** A message of `version` (or a reset or reconnection: no version) may have changed what the page shows. */
  want(version?: number): void {
    if (version === undefined) this.unversioned = true;
    else if (version > this.wantedVersion) this.wantedVersion = version;
  }

  /** Whether a fetch is still owed now that the page shown was cut at `pageVersion` (-1: none yet). */
  pending(pageVersion: number): boolean {
    return this.unversioned || this.wantedVersion > pageVersion;
  }

  /** A fetch starts now: what was asked before it is answered by it (a message arriving while it runs asks again). */
  taken(): void {
    this.unversioned = false;
    this.wantedVersion = -1;
  }
}
