/**
 * kind: CapacityProvider against the sandbox over HTTP with the real SDK (the
 * cases: capacity-provider-suite.ts), including the --prune scan that lists
 * every provider, which moto cannot.
 */
import { capacityProviderSuite } from './capacity-provider-suite.js';
import { sandboxWorld } from './harness.js';

capacityProviderSuite({
  name: 'the sandbox',
  skip: false,
  listsProviders: true,
  async world() {
    const world = await sandboxWorld();
    return { api: world.api, dispose: () => world.sandbox.close() };
  },
});
