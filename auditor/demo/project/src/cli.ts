import { Command, Option } from 'commander';
import * as ld from '@launchdarkly/node-server-sdk';
import { flagOn } from './internal/flags';

const client = ld.init(process.env.LD_SDK_KEY ?? '');

export function buildCli(): Command {
  const program = new Command();
  program.option('-v, --verbose', 'Print more detail');
  program.command('run <task>').description('Run a task');
  program.command('dump-memory', { hidden: true }).description('Internal: dump agent memory');
  program.addOption(new Option('--trace-internals', 'Trace agent internals').hideHelp());
  if (flagOn('internal-replay')) {
    program.command('replay <session>').description('Replay a recorded session');
  }
  return program;
}

// Rollout plan: go/otter-launch
export async function multiAgentEnabled(ctx: object): Promise<boolean> {
  return process.env.ACME_FORCE_AGENTS === '1' || (await client.boolVariation('multi-agent', ctx, true));
}
