// The parsed condition tree: an immutable tree of nodes, each with a `kind`,
// carrying the JSON Pointer of the input it came from so the type checker
// can point at the offending node. Parsing checks shape only; types come later.

export const COMPARISON_OPERATORS = [
  'eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'is_null', 'is_not_null',
  'contains', 'starts_with', 'ends_with', 'icontains', 'has_any', 'has_all',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export type OrderingOperator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte';
export type ListOperator = 'in' | 'nin';
export type TextOperator = 'contains' | 'starts_with' | 'ends_with' | 'icontains';
export type ArrayOperator = 'has_any' | 'has_all';
export type NullOperator = 'is_null' | 'is_not_null';

export const QUANTIFIERS = ['some', 'none', 'every'] as const;
export type Quantifier = (typeof QUANTIFIERS)[number];

export const START_OF_UNITS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type StartOfUnit = (typeof START_OF_UNITS)[number];

export const RELATIVE_UNITS = ['m', 'h', 'd', 'w'] as const;
export type RelativeUnit = (typeof RELATIVE_UNITS)[number];

export type Scalar = string | number | boolean;

/** A value operand as written: a literal, another field, the caller, or a time computed from `now`. */
export type Operand =
  | { readonly kind: 'literal'; readonly value: Scalar; readonly pointer: string }
  | { readonly kind: 'field'; readonly path: string; readonly pointer: string }
  | { readonly kind: 'current_user'; readonly pointer: string }
  | { readonly kind: 'relative'; readonly amount: number; readonly unit: RelativeUnit; readonly pointer: string }
  | { readonly kind: 'start_of'; readonly unit: StartOfUnit; readonly pointer: string };

/** The right-hand side of a comparison, shaped by its operator. */
export type ComparisonValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'operand'; readonly operand: Operand }
  | { readonly kind: 'range'; readonly low: Operand; readonly high: Operand }
  /** in/nin (null members allowed) and has_any/has_all (no nulls) */
  | { readonly kind: 'list'; readonly items: readonly (Scalar | null)[]; readonly pointer: string }
  /** contains, starts_with, ends_with, icontains */
  | { readonly kind: 'text'; readonly text: string; readonly pointer: string };

export interface AndNode { readonly kind: 'and'; readonly items: readonly Condition[]; readonly pointer: string }
export interface OrNode { readonly kind: 'or'; readonly items: readonly Condition[]; readonly pointer: string }
export interface NotNode { readonly kind: 'not'; readonly item: Condition; readonly pointer: string }
export interface ComparisonNode {
  readonly kind: 'comparison';
  readonly field: string;
  readonly op: ComparisonOperator;
  readonly value: ComparisonValue;
  readonly pointer: string;
}
export interface QuantifierNode {
  readonly kind: 'quantifier';
  readonly quantifier: Quantifier;
  /** A `references` field of the type, or a reverse relation `<type>.<reference field>`. */
  readonly path: string;
  /** Absent means "any related record" (so `none` without `where` means "no related records"). */
  readonly where: Condition | null;
  readonly pointer: string;
}

export type Condition = AndNode | OrNode | NotNode | ComparisonNode | QuantifierNode;
