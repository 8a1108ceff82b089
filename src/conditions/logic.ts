// SQL's three-valued logic: null is "unknown".
export type Truth = boolean | null;

export function and(values: Iterable<Truth>): Truth {
  let unknown = false;
  for (const value of values) {
    if (value === false) return false;
    if (value === null) unknown = true;
  }
  return unknown ? null : true;
}

export function or(values: Iterable<Truth>): Truth {
  let unknown = false;
  for (const value of values) {
    if (value === true) return true;
    if (value === null) unknown = true;
  }
  return unknown ? null : false;
}

export function not(value: Truth): Truth {
  return value === null ? null : !value;
}
