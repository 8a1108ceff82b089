// The named columns of an answer (select items, group keys, aggregates):
// names are unique, and each carries the value type `having` literals are
// checked against.
import { closeMatches, type ValueType } from '../../conditions/index.ts';
import type { Problems } from './dsl-input.ts';

export interface OutputInfo {
  readonly name: string;
  /** What the column holds, as the condition language types values; null when its definition has errors (already reported). */
  readonly valueType: ValueType | null;
  /** enum outputs: the allowed values. */
  readonly enumValues: readonly string[] | null;
  /** How a message names it: "group key", "aggregate", ... */
  readonly role: string;
}

export class OutputNames {
  private readonly byName = new Map<string, OutputInfo>();

  /** Adds an output; a duplicate name is an error at `pointer`. Returns whether it was added. */
  add(info: OutputInfo, pointer: string, problems: Problems): boolean {
    const existing = this.byName.get(info.name);
    if (existing !== undefined) {
      problems.add(pointer, `duplicate output name '${info.name}' (already the name of a ${existing.role}); give one of them a different "as"`);
      return false;
    }
    this.byName.set(info.name, info);
    return true;
  }

  get(name: string): OutputInfo | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** "did you mean: ..." or the list of names, for messages about an unknown name. */
  hint(name: string): string {
    const matches = closeMatches(name, this.names, 3);
    if (matches.length > 0) return `did you mean: ${matches.join(', ')}`;
    return this.byName.size > 0 ? `the outputs are: ${this.names.slice(0, 30).join(', ')}` : 'this query has no valid outputs';
  }
}
