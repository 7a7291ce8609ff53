import type { Command } from "commander";

/** Every command registers itself on the program; this list is the CLI's table of contents. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
