// The test app for workflow tests: the real application (test/helpers/
// test-app.ts) with the background workers off, so tests drive timers
// themselves and count statements without a worker's polls in between.
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

/** The API key secret startTestApp configures: external guard keys are derived from it. */
export const TEST_SECRET = 'test-api-key-secret-0123456789abcdef';

export type WorkflowApp = TestApp;

export function startWorkflowApp(env: Record<string, string> = {}): Promise<WorkflowApp> {
  // External guards in these tests are local HTTP servers.
  return startTestApp({ TESSERA_TIMER_WORKER: 'false', TESSERA_INDEX_BUILD_WORKER: 'false', TESSERA_GUARD_PRIVATE_ADDRESSES: 'true', ...env });
}
