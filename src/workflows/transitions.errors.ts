// Problems of running workflows (GET/POST /api/records/{type}/{id}/transitions):
// one per refusal of the engine, plus the type without a workflow and the
// record changed between an external guard's answer and the transaction.
// Invalid input is the platform's 422 `validation-failed`, pointers
// `/input/<key>`, like every other invalid body.
import { defineErrors } from '../platform/http/errors.ts';

export const TransitionErrors = defineErrors({
  'workflow-not-attached': {
    status: 409,
    title: 'No workflow for this record',
    description:
      'The record\'s entity type has no published workflow (or the record has no state in it yet), so it has no transitions. A gestor creates and publishes one (`POST /api/workflows`, then `POST /api/workflows/{key}/publish`).',
  },
  'transition-not-found': {
    status: 404,
    title: 'No such transition',
    description:
      'The record\'s workflow version has no transition with this key. `GET /api/records/{type}/{id}/transitions` lists the ones leaving its current state.',
  },
  'transition-not-available': {
    status: 409,
    title: 'Transition not available from the current state',
    description:
      'The transition does not leave the state the record is in now (`state` says which): the record moved on, for example through a concurrent transition that won. Read the record and its transitions again.',
  },
  'record-in-final-state': {
    status: 409,
    title: 'Record is in a final state',
    description: 'The record reached a final state of its workflow: no transition leaves it.',
  },
  'transition-guard-failed': {
    status: 422,
    title: 'Transition refused by its guards',
    description:
      '`guards` lists every guard of the transition with `passed` and, for those that failed, `reason` (a role or team the caller lacks, a condition that is not true, related records in other states, or an external check that denied or did not answer). Nothing was changed.',
  },
  'transition-record-changed': {
    status: 409,
    title: 'Record changed while the transition was checked',
    description:
      'An external guard answered for one version of the record, and the record had changed by the time the transition was applied. Nothing was changed; send the transition again.',
  },
});
