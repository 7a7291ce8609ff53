import type { Command } from "commander";
import { registerBuild } from "./build.ts";
import { registerTypes } from "./types.ts";
import { registerSync } from "./sync.ts";
import { registerSteps } from "./steps.ts";
import { registerValidate } from "./validate.ts";
import { registerPack } from "./pack.ts";
import { registerUnpack } from "./unpack.ts";
import { registerDeploy } from "./deploy.ts";
import { registerSimulate } from "./simulate.ts";
import { registerInvoke } from "./invoke.ts";
import { registerDemo } from "./demo.ts";

/** Every command registers itself on the program; this list is the CLI's table of contents. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerBuild, registerTypes, registerSync, registerSteps, registerValidate, registerSimulate, registerPack, registerUnpack, registerDeploy, registerInvoke, registerDemo];
