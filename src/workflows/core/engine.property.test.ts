// Property tests of the engine: random valid definitions and random
// sequences of transition attempts (by random actors, with random input)
// never reach an undefined state, never leave a final state, and decide is
// deterministic for the same inputs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileWorkflow } from './compile.ts';
import type { EngineActor, EngineRecord } from './decision.ts';
import { STATE_CATEGORIES, type WorkflowDefinition } from './definition.ts';
import { availableTransitions, decide } from './engine.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import { apiKey, factsOf, member, recordOf, registry, system } from './test-fixtures.ts';
import { validateWorkflow } from './validate.ts';

const guards = fc.constantFrom<unknown[]>(
  [],
  [{ role: ['gestor'] }],
  [{ role: ['cliente'] }],
  [{ team: ['ops'] }],
  [{ condition: { field: 'title', op: 'neq', value: 'blocked' } }],
  [{ condition: { field: 'input.note', op: 'is_not_null' } }],
  [{ related: { relation: 'task.parent', categories: ['closed'] } }],
);
const effects = fc.constantFrom<unknown[]>(
  [],
  [{ set: { title: { literal: 'blocked' } } }],
  [{ set: { title: { literal: 'open' }, assignee: { current_user: true } } }],
  [{ set: { resolution: { input: 'note' } } }, { webhook: { event: 'incident.moved' } }],
  [{ notify: { to: 'created_by' } }],
);

/** A valid definition by construction: a chain s0 → ... → the first final state, plus random extra transitions out of non-final states. */
const definitions = fc.integer({ min: 2, max: 8 }).chain((count) => fc.record({
  finals: fc.integer({ min: 1, max: Math.max(1, count - 1) }),
  categories: fc.array(fc.constantFrom(...STATE_CATEGORIES), { minLength: count, maxLength: count }),
  extra: fc.array(fc.record({ from: fc.nat(count - 1), to: fc.nat(count - 1) }), { maxLength: 12 }),
  guards: fc.array(guards, { minLength: 40, maxLength: 40 }),
  effects: fc.array(effects, { minLength: 40, maxLength: 40 }),
}).map(({ finals, categories, extra, guards: guardSets, effects: effectSets }): WorkflowDefinition => {
  const firstFinal = count - finals;
  const states = categories.map((category, index) => ({ key: `s${index}`, category, ...(index >= firstFinal ? { final: true } : {}) }));
  const edges: { from: number; to: number }[] = [];
  for (let index = 0; index < firstFinal; index++) edges.push({ from: index, to: index + 1 });
  for (let index = firstFinal + 1; index < count; index++) edges.push({ from: 0, to: index });
  for (const edge of extra) if (edge.from < firstFinal) edges.push(edge);
  const transitions = edges.map((edge, index) => ({
    key: `t${index}`, from: [`s${edge.from}`], to: `s${edge.to}`,
    input: [{ key: 'note', type: 'text' }],
    ...(guardSets[index % 40]!.length > 0 ? { guards: guardSets[index % 40] } : {}),
    ...(effectSets[index % 40]!.length > 0 ? { effects: effectSets[index % 40] } : {}),
  }));
  const parsed = parseWorkflowDefinition({ key: 'random', entity_type: 'incident', initial: 's0', states, transitions });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.definition;
}));

const actors = fc.constantFrom<EngineActor>(member, { ...member, role: 'cliente', teams: [] }, apiKey, system);
const attempts = fc.array(fc.record({
  transition: fc.oneof(fc.nat(30).map((index) => `t${index}`), fc.constant('nope')),
  actor: actors,
  input: fc.constantFrom<unknown>(undefined, {}, { note: 'x' }, { note: 5 }, { other: 1 }, 'junk'),
  minutes: fc.nat(60 * 24 * 3),
}), { maxLength: 25 });

describe('engine properties', () => {
  test('random definitions are valid by construction', () => {
    fc.assert(fc.property(definitions, (definition) => {
      assert.deepEqual(validateWorkflow(definition, { registry, teams: new Set(['ops']), calendars: new Set(['24x7', 'business-hours']) }), []);
    }), { numRuns: 100 });
  });

  test('transition sequences stay in defined states, never leave a final state, and are deterministic', () => {
    fc.assert(fc.property(definitions, attempts, (definition, steps) => {
      const compiled = compileWorkflow({ key: 'random', version: 1, definition }, registry);
      const again = compileWorkflow({ key: 'random', version: 1, definition }, registry);
      const states = new Map(definition.states.map((state) => [state.key, state]));
      let record: EngineRecord = recordOf(definition.initial);
      let clock = new Date('2026-03-02T13:00:00Z').getTime();
      for (const step of steps) {
        clock += step.minutes * 60_000;
        const facts = factsOf({ now: new Date(clock) });
        const answer = decide(compiled, record, step.actor, step.transition, step.input, facts);
        assert.deepEqual(decide(again, record, step.actor, step.transition, step.input, facts), answer, 'deterministic');
        const current = states.get(record.state)!;
        const available = availableTransitions(compiled, record, step.actor, facts);
        if (current.final) {
          assert.equal(answer.ok, false, 'left a final state');
          assert.deepEqual(available, []);
          continue;
        }
        if (!answer.ok) continue;
        const { decision } = answer;
        assert.ok(states.has(decision.to), `undefined state ${decision.to}`);
        assert.equal(decision.from, record.state);
        assert.ok(definition.transitions.find((transition) => transition.key === decision.transition)?.from.includes(record.state));
        assert.ok(available.some((transition) => transition.key === decision.transition), 'a performed transition was listed as available');
        assert.equal(decision.final, states.get(decision.to)!.final === true);
        assert.equal(decision.toCategory, states.get(decision.to)!.category);
        record = { ...record, state: decision.to, stateEnteredAt: facts.now, version: record.version + 1, data: { ...record.data, ...decision.changes } };
      }
      assert.ok(states.has(record.state));
    }), { numRuns: 300 });
  });
});
