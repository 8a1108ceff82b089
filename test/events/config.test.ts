import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config.ts';

describe('dispatcher and NATS configuration', () => {
  test('defaults: dispatcher on, no NATS', () => {
    const config = loadConfig({});
    assert.equal(config.dispatcher, true);
    assert.equal(config.natsUrl, null);
    assert.equal(config.dispatcherPollMs, 1000);
    assert.equal(config.dispatcherBatch, 100);
    for (const name of ['NATS_URL', 'TESSERA_DISPATCHER', 'TESSERA_DISPATCHER_POLL_MS', 'TESSERA_DISPATCHER_BATCH']) {
      assert.ok((CONFIG_VARIABLES as readonly string[]).includes(name), name);
    }
  });

  test('NATS_URL takes one URL or a comma-separated list of nats:// and tls:// URLs', () => {
    assert.equal(loadConfig({ NATS_URL: 'nats://127.0.0.1:4222' }).natsUrl, 'nats://127.0.0.1:4222');
    assert.equal(loadConfig({ NATS_URL: 'nats://a:4222, tls://b:4222' }).natsUrl, 'nats://a:4222,tls://b:4222');
    assert.throws(() => loadConfig({ NATS_URL: 'http://a:4222' }), (error: unknown) => error instanceof ConfigError && error.variable === 'NATS_URL');
    assert.throws(() => loadConfig({ NATS_URL: 'not a url' }), ConfigError);
  });

  test('the dispatcher settings are checked', () => {
    assert.equal(loadConfig({ TESSERA_DISPATCHER: 'false' }).dispatcher, false);
    assert.throws(() => loadConfig({ TESSERA_DISPATCHER_BATCH: '501' }), ConfigError);
    assert.throws(() => loadConfig({ TESSERA_DISPATCHER_POLL_MS: '5' }), ConfigError);
  });
});
