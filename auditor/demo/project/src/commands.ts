// Slash commands of the interactive agent.
export const helpCommand = {
  name: 'help',
  description: 'Show the available commands',
  action: () => 'help',
};

export const corgiCommand = {
  name: 'corgi',
  description: 'Toggles corgi mode',
  hidden: true,
  action: () => 'woof',
};

export const statsCommand = {
  name: 'stats',
  description: 'Show session statistics',
  action: () => 'stats',
};
