import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DECOY_HASH, hashPassword, verifyPassword } from './password.ts';

describe('passwords', () => {
  test('a hash verifies its own password and nothing else', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterY', hash), false);
    assert.equal(await verifyPassword('', hash), false);
  });

  test('hashes are salted and carry their parameters', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  test('passwords are compared after Unicode NFKC normalisation', async () => {
    const composed = await hashPassword('senha-caf\u00e9-segura');
    assert.equal(await verifyPassword('senha-cafe\u0301-segura', composed), true);
  });

  test('the decoy hash matches no ordinary password', async () => {
    assert.equal(await verifyPassword('correct horse battery', DECOY_HASH), false);
  });

  test('a malformed stored hash is a mismatch, never an exception', async () => {
    const good = await hashPassword('correct horse battery');
    const [, , , , salt, key] = good.split('$');
    for (const stored of [
      '',
      'plain',
      'bcrypt$10$abc',
      `scrypt$abc$8$1$${salt}$${key}`,
      `scrypt$32767$8$1$${salt}$${key}`,
      `scrypt$0$8$1$${salt}$${key}`,
      `scrypt$32768$-1$1$${salt}$${key}`,
      `scrypt$32768$8$1.5$${salt}$${key}`,
      `scrypt$1099511627776$8$1$${salt}$${key}`,
      `scrypt$32768$8$1$${salt}`,
    ]) {
      assert.equal(await verifyPassword('correct horse battery', stored), false, stored);
    }
  });
});
