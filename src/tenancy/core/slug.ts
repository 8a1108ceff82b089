// Organisation slugs become subdomains ({slug}.app.example) and appear in
// URLs, so they are short, lowercase and never a name the platform uses.
export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$';
const SHAPE = new RegExp(SLUG_PATTERN);

export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'www', 'api', 'admin', 'app', 'apps', 'auth', 'login', 'logout', 'signup', 'account', 'accounts', 'billing',
  'blog', 'cdn', 'dashboard', 'dev', 'docs', 'help', 'mail', 'email', 'smtp', 'imap', 'ftp', 'status', 'support',
  'static', 'assets', 'files', 'console', 'root', 'system', 'tessera', 'tesserra', 'platform', 'operator',
  'operators', 'security', 'staging', 'test', 'internal', 'webhooks', 'ws', 'graphql', 'metrics', 'health',
]);

export type SlugProblem = 'shape' | 'reserved' | 'double-hyphen';

/** Why a slug is refused, or null when it is acceptable. */
export function slugProblem(slug: string): SlugProblem | null {
  if (!SHAPE.test(slug)) return 'shape';
  if (slug.includes('--')) return 'double-hyphen';
  if (RESERVED_SLUGS.has(slug)) return 'reserved';
  return null;
}

export const SLUG_MESSAGES: Readonly<Record<SlugProblem, string>> = {
  shape: 'must be 3 to 40 characters: lowercase letters, digits and hyphens, starting and ending with a letter or digit',
  'double-hyphen': 'must not contain two hyphens in a row',
  reserved: 'is reserved by the platform',
};
