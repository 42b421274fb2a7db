import * as ld from '@launchdarkly/node-server-sdk';
import Statsig from 'statsig-node';
import { FeatureFlag, Flags, SEARCH_GATE } from './flags';

const client = ld.init(process.env.LD_SDK_KEY ?? '');

export async function handleRequest(user: { key: string }) {
  const context = { kind: 'user', key: user.key };
  const onboarding = await client.boolVariation(FeatureFlag.NewOnboarding, context, false);
  const tagging = await client.variation(FeatureFlag.TaggingSystem, context, true);
  const search = Statsig.checkGate(user, SEARCH_GATE);
  const dark = await client.boolVariation(Flags.DarkMode, context, false);
  return { onboarding, tagging, search, dark };
}

export function debugEnabled(): boolean {
  return process.env['AGENT_DEBUG'] === '1';
}
