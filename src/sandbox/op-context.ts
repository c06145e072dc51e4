/** What every emulated operation receives: the caller's account/Region state and the simulated time. */
import type { ImageOracle } from './image-oracle.js';
import type { CallerPrincipal } from './request-identity.js';
import type { RegionState, SandboxState } from './state.js';

export interface OpContext {
  readonly state: RegionState;
  readonly all: SandboxState;
  /** Simulated epoch milliseconds of this request. */
  readonly now: number;
  readonly images: ImageOracle;
  readonly newId: () => string;
  /** Advances rollouts of one Region up to `now` (called before reads so they see current state). */
  readonly settle: (state: RegionState) => void;
  /** The session behind temporary credentials STS issued; absent for an account's own keys. */
  readonly caller?: CallerPrincipal;
}
