// Workflows (issue #6): what other capabilities and app.ts import.

// --- Definitions, publishing, migration (helper B).
export { WorkflowsService, type Published, type VersionView, type WorkflowsOptions } from './workflows.service.ts';
export { workflowsRoutes } from './workflows.routes.ts';
export { WorkflowErrors } from './workflows.errors.ts';
// Entering and leaving states: timers and history rows (creation, transitions, timers).
export {
  cancelTimers,
  compileForEntry,
  engineRecordOf,
  entryFacts,
  historyActor,
  loadEntryFacts,
  needsCalendars,
  queueHistory,
  queueTimerBatches,
  queueTimers,
  timerSummary,
  type EntryFacts,
  type HistoryEntry,
  type HistoryKind,
  type TimerBatch,
} from './state-entry.ts';

// --- Transitions, history, notifications (helper C): add exports below.
export { TransitionsService, type PerformOptions, type PerformOutcome, type TimerRun, type TransitionsOptions } from './transitions.service.ts';
export { transitionsRoutes } from './transitions.routes.ts';
export { HistoryService } from './history.service.ts';
export { TransitionErrors } from './transitions.errors.ts';
export { ExternalGuards, type ExternalGuardsOptions } from './guards/external-guards.ts';

// --- Timers and calendars (helper D): add exports below.
export { CalendarsService } from './calendars.service.ts';
export { calendarsRoutes } from './calendars.routes.ts';
export { CalendarErrors } from './calendars.errors.ts';
export { TimerWorker, type TimerWorkerOptions } from './timers/worker.ts';
export type { TimedTransitions, TimerLogger, TimerOutcome } from './timers/timer-runner.ts';
