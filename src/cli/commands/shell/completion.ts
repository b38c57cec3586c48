import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';

export default defineCommand({
  name: 'completion',
  summary: 'print a shell completion script (commands, flags, app and environment names from the config)',
  args: 'SHELL',
  description:
    'bash: eval "$(berth completion bash)" in ~/.bashrc · zsh: eval "$(berth completion zsh)" in ~/.zshrc, after compinit · fish: berth completion fish > ~/.config/fish/completions/berth.fish',
  options: {},
  examples: ['berth completion bash >> ~/.bashrc', 'berth completion fish > ~/.config/fish/completions/berth.fish'],
  async run(context) {
    const { completionScript, SHELLS } = await import('../../completion.ts');
    const shell = context.positionals[0];
    if (!shell || !(SHELLS as readonly string[]).includes(shell))
      throw new UsageError(`berth completion takes ${SHELLS.join(', ')}${shell ? `, not "${shell}"` : ''}`);
    context.out.write(completionScript(shell as (typeof SHELLS)[number]));
  },
});
