// Time-ordered identifiers (UUIDv7, RFC 9562): index-friendly, never a shared
// sequence that would reveal other tenants' activity.
import { v7, validate } from 'uuid';

export function newId(): string {
  return v7();
}

export function isUuid(value: string): boolean {
  return validate(value);
}
