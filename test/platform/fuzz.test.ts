// Random input on every route never produces a 5xx. Routes are enumerated from
// the running server, so new routes are fuzzed without being listed here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

const SKIP = /^GET \/docs|^GET \/openapi|^GET \/problems|^(GET|HEAD) \/(healthz|readyz)/;

let app: TestApp;
let owner: SignedUp;
before(async () => {
  app = await startTestApp();
  owner = await signup(app);
});
after(async () => {
  await app.stop();
});

const segment = fc.oneof(
  fc.uuid(),
  fc.constantFrom('x', '0', 'incident', '%20', '..', 'a'.repeat(300), '%00', 'é', '-1'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'slug', 'sort', 'filter[title]', 'include', 'expand', 'x'), fc.string({ maxLength: 12 }), { maxKeys: 3 });

test('no route answers 5xx to random bodies, ids and query strings', async () => {
  const routes = app.app.registeredRoutes.filter((route) => !SKIP.test(`${route.method} ${route.url}`));
  assert.ok(routes.length > 20);
  for (const route of routes) {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.array(segment, { minLength: 4, maxLength: 4 }), query, async (body, ids, params) => {
        let index = 0;
        const url = route.url.replace(/:[a-z_]+|\*/g, () => ids[index++ % ids.length] ?? 'x');
        const search = new URLSearchParams(params).toString();
        const response = await app.app.inject({
          method: route.method as 'GET',
          url: search ? `${url}?${search}` : url,
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: JSON.stringify(body) }),
        });
        assert.ok(response.statusCode < 500, `${route.method} ${url}?${search} with ${JSON.stringify(body)} → ${response.statusCode} ${response.body}`);
      }),
      { numRuns: 30 },
    );
  }
});
