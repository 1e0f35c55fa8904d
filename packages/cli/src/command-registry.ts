import type { CommandModule } from "./command.js";
import { UsageError } from "./errors.js";

/** Every command, in help order; each is `src/commands/<name>.ts` (built to `dist/commands/<name>.js`). */
export const commandNames = ["ls", "stat", "cat", "cp", "mv", "rm", "sign", "serve", "conformance", "probe"] as const;

/**
 * Imports a command module by name. The specifier is built at run time, so
 * each command is its own entry (bundled separately, loaded only when it
 * runs) and a missing or broken command module never breaks the others.
 */
function importCommand(name: string): Promise<{ command?: CommandModule }> {
  // A variable specifier: the bundler leaves it alone, each command being its own entry.
  const specifier = `./commands/${name}.js`;
  return import(specifier) as Promise<{ command?: CommandModule }>;
}

/** Loads a command; a module that fails to load becomes a clear error naming the command. */
export async function loadCommand(name: string): Promise<CommandModule> {
  if (!(commandNames as readonly string[]).includes(name)) throw new UsageError(`unknown command "${name}" (see stowage --help)`);
  let module: { command?: CommandModule };
  try {
    module = await importCommand(name);
  } catch (error) {
    throw new Error(`the "${name}" command is not available in this build (its module failed to load)`, { cause: error });
  }
  if (module.command === undefined || typeof module.command.run !== "function") {
    throw new Error(`the "${name}" command module exports no command`);
  }
  return module.command;
}
