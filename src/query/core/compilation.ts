// What every part of the compiler shares while compiling one statement.
import { operandValue, type Comparable, type EvaluationContext, type RecordView, type ResolvedOperand, type ResolvedPath } from '../../conditions/index.ts';
import type { RegistrySnapshot } from '../../entities/core/definitions.ts';
import type { CompileContext } from './query.ts';
import { SqlBuilder } from './sql-builder.ts';

export interface Compilation {
  readonly b: SqlBuilder;
  readonly registry: RegistrySnapshot;
  readonly context: CompileContext;
  readonly evaluation: EvaluationContext;
}

export function newCompilation(registry: RegistrySnapshot, context: CompileContext): Compilation {
  return { b: new SqlBuilder(), registry, context, evaluation: { now: context.now, timeZone: context.timeZone, userId: context.userId } };
}

// Operands other than fields do not read the record.
const NO_RECORD: RecordView = {
  get: () => {
    throw new Error('compileQuery: a field operand is compiled as SQL, not evaluated');
  },
  related: () => [],
};

/**
 * The value a non-field operand has, computed exactly as evaluate() computes
 * it (the same coerce() of literals, the same relative/start_of arithmetic in
 * the caller's zone), so both backends compare with the same value.
 */
export function constantOperand(compilation: Compilation, operand: ResolvedOperand, path: ResolvedPath): Comparable | null {
  return operandValue(operand, path, NO_RECORD, compilation.evaluation);
}
