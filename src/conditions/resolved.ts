// The type-checked condition tree: every path resolved against the registry
// to its hops and final value type, every literal known to fit. Both backends
// (in-memory evaluation here, SQL in the query engine) consume this tree.
import type {
  ArrayOperator, ListOperator, NullOperator, OrderingOperator, Quantifier, RelativeUnit, Scalar, StartOfUnit, TextOperator,
} from './ast.ts';
import type { PathFieldType, ValueType } from './value-types.ts';

/** One reference followed: from a record of `fromTypes` through `field` to a record of one of `targets`. */
export interface PathHop {
  readonly fromTypes: readonly string[];
  readonly field: string;
  readonly fieldType: 'reference' | 'any_reference';
  readonly targets: readonly string[];
}

export interface ResolvedPath {
  /** The path as written. */
  readonly path: string;
  readonly hops: readonly PathHop[];
  /** The type(s) owning the final field: the root type, or the hop's targets (several after an any_reference hop). */
  readonly ownerTypes: readonly string[];
  readonly field: string;
  readonly system: boolean;
  readonly fieldType: PathFieldType;
  /** Keys below a json field (array indexes as decimal strings); empty otherwise. */
  readonly jsonPath: readonly string[];
  readonly valueType: ValueType;
  /** enum and multi_enum: the allowed values (the union over owner types). */
  readonly enumValues: readonly string[] | null;
}

/** A to-many relation a quantifier ranges over. */
export type ResolvedRelation =
  /** The records listed in the root record's `references` field. */
  | { readonly kind: 'forward'; readonly path: string; readonly fromType: string; readonly field: string; readonly targetType: string }
  /** The records of `sourceType` whose `field` points at the root record. */
  | {
      readonly kind: 'reverse'; readonly path: string; readonly fromType: string; readonly sourceType: string;
      readonly field: string; readonly fieldType: 'reference' | 'references' | 'any_reference';
    };

export type ResolvedOperand =
  /** Literals are already normalised for their value type (uuids lower-cased); datetimes stay ISO strings. */
  | { readonly kind: 'literal'; readonly value: Scalar }
  | { readonly kind: 'field'; readonly path: ResolvedPath }
  | { readonly kind: 'current_user' }
  | { readonly kind: 'relative'; readonly amount: number; readonly unit: RelativeUnit }
  | { readonly kind: 'start_of'; readonly unit: StartOfUnit };

export type ResolvedCondition =
  | { readonly kind: 'and'; readonly items: readonly ResolvedCondition[] }
  | { readonly kind: 'or'; readonly items: readonly ResolvedCondition[] }
  | { readonly kind: 'not'; readonly item: ResolvedCondition }
  | { readonly kind: 'null_check'; readonly op: NullOperator; readonly path: ResolvedPath }
  | { readonly kind: 'compare'; readonly op: OrderingOperator; readonly path: ResolvedPath; readonly operand: ResolvedOperand }
  | { readonly kind: 'between'; readonly path: ResolvedPath; readonly low: ResolvedOperand; readonly high: ResolvedOperand }
  | { readonly kind: 'list'; readonly op: ListOperator; readonly path: ResolvedPath; readonly items: readonly (Scalar | null)[] }
  | { readonly kind: 'text_match'; readonly op: TextOperator; readonly path: ResolvedPath; readonly text: string }
  | { readonly kind: 'array_match'; readonly op: ArrayOperator; readonly path: ResolvedPath; readonly items: readonly string[] }
  | { readonly kind: 'quantifier'; readonly quantifier: Quantifier; readonly relation: ResolvedRelation; readonly where: ResolvedCondition | null };
