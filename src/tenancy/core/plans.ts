// Plans and their defaults. The monthly AI token quota defaults from the plan
// and can be set per organisation (by an operator, or by a plan change that
// resets it to the new plan's default).
export const PLANS = ['starter', 'pro', 'business', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const DEFAULT_AI_TOKEN_QUOTA: Readonly<Record<Plan, number>> = {
  starter: 100_000,
  pro: 1_000_000,
  business: 5_000_000,
  enterprise: 20_000_000,
};

/** Verticals filter which AI agents an organisation is offered. */
export const VERTICALS = [
  'technology',
  'financial-services',
  'healthcare',
  'public-sector',
  'education',
  'retail',
  'manufacturing',
  'legal',
  'telecommunications',
  'energy',
  'logistics',
  'professional-services',
] as const;
export type Vertical = (typeof VERTICALS)[number];
