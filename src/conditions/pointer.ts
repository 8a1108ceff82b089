// JSON Pointer (RFC 6901) building: errors name the exact node they are about.

export function pointerTo(parent: string, token: string | number): string {
  return `${parent}/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
