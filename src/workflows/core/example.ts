// The example of issue #6 (and of docs/workflows.md), verbatim: the OpenAPI
// description shows it as the example body of POST /api/workflows, and the
// tests publish and run it. One copy, so the documented example is the one
// that is tested.

export const ISSUE_EXAMPLE = {
  key: 'incident-lifecycle',
  entity_type: 'incident',
  initial: 'new',
  states: [
    { key: 'new', category: 'new' },
    { key: 'in_progress', category: 'active', sla: { within: '4h', calendar: 'business-hours' } },
    { key: 'resolved', category: 'resolved' },
    { key: 'closed', category: 'closed', final: true },
  ],
  transitions: [
    {
      key: 'start',
      from: ['new'],
      to: 'in_progress',
      guards: [{ role: ['gestor', 'cliente'] }],
      effects: [{ set: { assignee: { current_user: true } } }],
    },
    {
      key: 'resolve',
      from: ['in_progress'],
      to: 'resolved',
      input: [{ key: 'resolution', type: 'text', required: true }],
      guards: [{ condition: { field: 'asset.status', op: 'neq', value: 'retired' } }],
      effects: [{ webhook: { event: 'incident.resolved' } }, { notify: { to: 'created_by' } }],
    },
    { key: 'close', from: ['resolved'], to: 'closed' },
  ],
};
