// The catalogue of API key scopes. A key acts only within its scope; no scope
// lets a key manage keys, members or the plan (those routes accept members
// only). docs/API.md lists what each scope allows; keep the two in step.
export const API_KEY_SCOPES = {
  agentes: 'AI agents acting for the organisation: read the organisation and work with its data (records, queries, workflows) as they land.',
  'proxy-ollama': 'Only the metered LLM proxy (Ollama-compatible endpoints); no access to organisation data.',
  'read-only': 'Read the organisation and its data; never writes.',
  'read-write': 'Read and write the organisation\'s data (records, workflows) for integrations; no management.',
} as const;

export type ApiKeyScope = keyof typeof API_KEY_SCOPES;
export const API_KEY_SCOPE_NAMES = Object.keys(API_KEY_SCOPES) as ApiKeyScope[];
