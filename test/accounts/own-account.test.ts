/**
 * The own account's two spellings (src/accounts/own-account.ts): what the
 * prune passes compare on and which locations they visit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  distinctLocations, namesAnAccount, normalizeIdentity, normalizeLocation, otherSpelling, ownSpellings,
} from '../../src/accounts/own-account.js';

const OWN = '123456789012';
const DEV = '111111111111';

describe('own-account spellings', () => {
  it.each([
    [`${OWN}@eu-west-1/demo/web`, 'eu-west-1/demo/web'],
    ['eu-west-1/demo/web', 'eu-west-1/demo/web'],
    [`${DEV}@eu-west-1/demo/web`, `${DEV}@eu-west-1/demo/web`],
    [`capacity-provider:${OWN}@eu-west-1/cp`, 'capacity-provider:eu-west-1/cp'],
    [`scheduled-task:${OWN}@eu-west-1/demo/nightly`, 'scheduled-task:eu-west-1/demo/nightly'],
    [`${OWN}@eu-west-1/demo`, 'eu-west-1/demo'],
    ['not a key', 'not a key'],
  ])('normalizeIdentity(%s) = %s', (text, expected) => {
    expect(normalizeIdentity(text, OWN)).toBe(expected);
  });

  it('leaves every key as spelled when the own account is unknown', () => {
    expect(normalizeIdentity(`${OWN}@eu-west-1/demo/web`, undefined)).toBe(`${OWN}@eu-west-1/demo/web`);
    expect(otherSpelling('eu-west-1/demo/web', undefined)).toBeUndefined();
    expect(ownSpellings(`${OWN}@eu-west-1`, undefined)).toEqual([`${OWN}@eu-west-1`]);
  });

  it.each([
    ['eu-west-1/demo/web', `${OWN}@eu-west-1/demo/web`],
    [`${OWN}@eu-west-1/demo/web`, 'eu-west-1/demo/web'],
    ['capacity-provider:eu-west-1/cp', `capacity-provider:${OWN}@eu-west-1/cp`],
    [`${DEV}@eu-west-1/demo/web`, undefined],
  ])('otherSpelling(%s) = %s', (text, expected) => {
    expect(otherSpelling(text, OWN)).toBe(expected);
  });

  it('visits each real location once, the account@ spelling when both occur', () => {
    expect(distinctLocations(['eu-west-1', `${OWN}@eu-west-1`, `${DEV}@eu-west-1`, 'us-east-1'], OWN))
      .toEqual([`${OWN}@eu-west-1`, `${DEV}@eu-west-1`, 'us-east-1']);
    expect(distinctLocations(['eu-west-1', `${OWN}@eu-west-1`], undefined)).toEqual(['eu-west-1', `${OWN}@eu-west-1`]);
    expect(normalizeLocation(`${OWN}@eu-west-1`, OWN)).toBe('eu-west-1');
    expect(ownSpellings('eu-west-1', OWN)).toEqual(['eu-west-1', `${OWN}@eu-west-1`]);
    expect(ownSpellings(`${DEV}@eu-west-1`, OWN)).toEqual([`${DEV}@eu-west-1`]);
    expect(namesAnAccount(['eu-west-1'])).toBe(false);
    expect(namesAnAccount(['eu-west-1', `${DEV}@us-east-1`])).toBe(true);
  });

  it('both spellings of an own-account key normalize alike; another account\'s never joins them (property)', () => {
    const part = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const account = fc.constantFrom(OWN, DEV, undefined);
    fc.assert(fc.property(part, part, part, account, (region, cluster, name, acct) => {
      const spelled = `${acct !== undefined ? `${acct}@` : ''}${region}/${cluster}/${name}`;
      const normal = normalizeIdentity(spelled, OWN);
      const other = otherSpelling(spelled, OWN);
      if (acct === DEV) {
        expect(normal).toBe(spelled);
        expect(other).toBeUndefined();
      } else {
        expect(normal).toBe(`${region}/${cluster}/${name}`);
        expect(other !== undefined && normalizeIdentity(other, OWN)).toBe(normal);
      }
      // Every location is kept once: the distinct list normalizes to distinct values.
      const listed = distinctLocations([`${OWN}@${region}`, region, `${DEV}@${region}`], OWN);
      expect(new Set(listed.map((l) => normalizeLocation(l, OWN))).size).toBe(listed.length);
    }));
  });
});
