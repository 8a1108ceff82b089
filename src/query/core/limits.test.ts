import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_HOPS } from '../../conditions/index.ts';
import { PLANS } from '../../tenancy/core/plans.ts';
import { QUERY_LIMITS } from './limits.ts';

describe('QUERY_LIMITS', () => {
  test('every plan has limits; the default page fits the maximum; paths follow at most MAX_HOPS references', () => {
    for (const plan of PLANS) {
      const limits = QUERY_LIMITS[plan];
      assert.ok(limits.defaultPageSize >= 1 && limits.defaultPageSize <= limits.maxPageSize, plan);
      assert.equal(limits.maxHops, MAX_HOPS);
      for (const value of Object.values(limits)) assert.ok(Number.isSafeInteger(value) && value > 0, plan);
    }
  });

  test('a larger plan never has a smaller limit', () => {
    for (let index = 1; index < PLANS.length; index++) {
      const smaller = QUERY_LIMITS[PLANS[index - 1]!];
      const larger = QUERY_LIMITS[PLANS[index]!];
      for (const key of Object.keys(smaller) as (keyof typeof smaller)[]) assert.ok(larger[key] >= smaller[key], `${PLANS[index]}.${key}`);
    }
  });
});
