import { feature } from 'bun:bundle';
import { flagOn } from './internal/flags';

export const tools = [
  { name: 'read_file', description: 'Read a file' },
  ...(feature('VOICE_MODE') ? [{ name: 'voice', description: 'Talk to the agent' }] : []),
];

export function internalTools() {
  if (flagOn('internal-tools')) {
    return [{ name: 'dump_memory', description: 'Internal: dump agent memory' }];
  }
  return [];
}
