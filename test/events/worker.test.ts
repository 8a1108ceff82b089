// `tessera worker` dispatches on its own: events written through the app are
// published by the worker process's dispatcher (here in-process, stopped
// through `until` instead of a signal).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { workerCommand } from '../../src/cli/commands/worker.ts';
import { loadConfig } from '../../src/config.ts';
import type { OutboxEvent } from '../../src/events/sink.ts';
import { signup, type TestApp } from '../helpers/test-app.ts';
import { eventually, pendingIds, RecordingSink, startQuietApp, writeEvents } from './outbox-fixtures.ts';

describe('tessera worker', () => {
  let app: TestApp;

  before(async () => {
    app = await startQuietApp();
  });
  after(async () => {
    await app.stop();
  });

  test('dispatches pending and new events until told to stop', async () => {
    const { tenantId } = await signup(app);
    const sink = new RecordingSink();
    let stop: () => void = () => undefined;
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const lines: string[] = [];
    const config = loadConfig({
      DATABASE_URL: app.database.adminUrl,
      DATABASE_APP_URL: app.database.appUrl,
      DATABASE_OPERATOR_URL: app.database.operatorUrl,
      TESSERA_DATA_DIR: app.config.dataDir,
      LOG_LEVEL: 'silent',
      TESSERA_DISPATCHER_POLL_MS: '3600000',
    });
    const running = workerCommand(config, (line) => lines.push(line), { until, sinks: [sink] });
    try {
      await eventually(async () => (await pendingIds(app, tenantId)).length === 0, 'the signup events');
      assert.ok(sink.calls.flat().some((event: OutboxEvent) => event.type === 'tenant.created' && event.tenantId === tenantId));
      // Woken by NOTIFY: the worker polls only hourly here.
      const ids = await writeEvents(app, tenantId, 2);
      await eventually(() => ids.every((id) => sink.ids(tenantId).includes(id)), 'the new events');
    } finally {
      stop();
      await running;
    }
    assert.match(lines[0] ?? '', /^Dispatching events/);
  });
});
