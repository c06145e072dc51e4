/**
 * kind: CapacityProvider against moto_server (the cases: capacity-provider-suite.ts).
 * moto's gaps, found here: DescribeCapacityProviders without names (listing
 * every provider, which the --prune scan needs) fails with a server error;
 * moto reports no managedDraining (the default applies on our side).
 */
import { motoEndpoint } from '../support/moto.js';
import { capacityProviderSuite } from './capacity-provider-suite.js';
import { motoWorld } from './harness.js';

capacityProviderSuite({
  name: 'moto_server',
  skip: motoEndpoint() === null,
  listsProviders: false,
  world: () => Promise.resolve({ api: motoWorld().api, dispose: () => Promise.resolve() }),
});
