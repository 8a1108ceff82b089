import { defineErrors } from '../platform/http/errors.ts';

// Definitions, publishing and migration (POST/PUT /api/workflows, publish,
// migrate). Shape problems of a draft are the platform's 422
// validation-failed; what only publishing checks is workflow-invalid.
export const WorkflowErrors = defineErrors({
  'workflow-invalid': {
    status: 422,
    title: 'Workflow cannot be published',
    description:
      'The draft does not hold as a state machine over the current registry: `errors` lists every problem with a JSON Pointer into the draft (unknown or unreachable states, no path from the initial state to a final one, transitions out of a final state, guards and effects naming fields, roles, teams, types or calendars that do not exist). Fix the draft with `PUT /api/workflows/{key}` and publish again. Nothing was published.',
  },
  'workflow-exists': {
    status: 409,
    title: 'Workflow key already used',
    description: 'The organisation already has a workflow with this key. Choose another key, or change that workflow\'s draft with `PUT /api/workflows/{key}`.',
  },
  'workflow-type-taken': {
    status: 409,
    title: 'Entity type already has a workflow',
    description:
      'A type runs one workflow; `workflow` in the problem names the one attached to it. Change that workflow (`PUT /api/workflows/{key}`, then publish a new version) instead of creating another.',
  },
  'workflow-draft-changed': {
    status: 412,
    title: 'Draft changed since it was read',
    description:
      'The `If-Match` header names a draft revision (ETag) that is no longer the current one: someone changed the draft since you read it. GET the workflow again, reapply your change and retry with the new ETag.',
  },
});
