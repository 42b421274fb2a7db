// Flag keys used across the agent. Members nobody reads are drift.
export enum FeatureFlag {
  TaggingSystem = 'TAGGING_SYSTEM',
  NewOnboarding = 'new-onboarding',
  LegacyExport = 'legacy-export',
}

export const Flags = {
  DarkMode: 'dark-mode',
  PromoBanner: 'promo-banner',
} as const;

export const SEARCH_GATE = 'beta_search';
