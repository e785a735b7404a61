import { createProgram } from './program.js';

// Placeholder entry; replaced by the full error/exit mapping in the foundation work.
async function main(): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? 1;
    process.exitCode = code;
  }
}

void main();
