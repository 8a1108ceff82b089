// Background index builds (migrations/0008_index_builds.sql): what other code
// of the entities capability, app.ts and tests use.
export { IndexBuildWorker, type IndexBuildWorkerOptions } from './worker.ts';
export type { BuildLogger, RunOutcome } from './build-runner.ts';
export { applyIndexChanges, BUILD_BATCH, type IndexChange, type IndexChangeResult } from './index-changes.ts';
export { indexBuildsBusy, listIndexBuilds, requestIndexBuilds, type IndexBuildView } from './builds.ts';
