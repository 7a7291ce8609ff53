import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import type { SolutionPart } from "./pack.ts";

/**
 * Deploying through the Power Platform CLI (`pac`), when it is installed. Nothing here talks to
 * Power Platform itself: it builds pac's argument list, shows it, and runs pac with the user's own
 * `pac auth` profile. Parameters: learn.microsoft.com/power-platform/developer/cli/reference/connector
 * and …/solution (docs/format-notes.md, "pac command lines").
 */
export type DeployTarget =
  | { kind: "solution"; part: SolutionPart; zip: string; settingsFile?: string }
  | { kind: "connector"; connectorDir: string; solutionUniqueName: string; connectorId?: string };

export function pacArguments(target: DeployTarget, environment?: string): string[] {
  const env = environment ? ["--environment", environment] : [];
  if (target.kind === "solution") {
    const settings = target.settingsFile ? ["--settings-file", target.settingsFile] : [];
    return ["solution", "import", "--path", target.zip, ...settings, ...env];
  }
  const file = (name: string): string => path.join(target.connectorDir, name);
  return [
    "connector",
    target.connectorId ? "update" : "create",
    ...(target.connectorId ? ["--connector-id", target.connectorId] : []),
    "--api-definition-file",
    file("apiDefinition.swagger.json"),
    "--api-properties-file",
    file("apiProperties.json"),
    "--icon-file",
    file("icon.png"),
    "--solution-unique-name",
    target.solutionUniqueName,
    ...env,
  ];
}

/** The command as one line a user can paste into a POSIX shell. */
export function formatCommand(program: string, args: readonly string[]): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return [program, ...args].map(quote).join(" ");
}

/** The first executable called `name` on PATH (with PATHEXT's extensions on Windows), or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions = process.platform === "win32" ? ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** Runs pac with its output going straight to ours; resolves with pac's exit code. */
export function runPac(pac: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(pac, args, { stdio: "inherit", shell: process.platform === "win32" && /\.(cmd|bat)$/i.test(pac) });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** What to do without pac: install it, or import the zips by hand, in order. */
export function withoutPacHelp(targets: readonly DeployTarget[]): string {
  const zips = targets.flatMap((t) => (t.kind === "solution" ? [t.zip] : []));
  const steps =
    zips.length === 0
      ? ["  Solutions > Import solution, with the connector solution zip in dist/solution."]
      : zips.map((zip, i) => `  ${i + 1}. Solutions > Import solution > Browse, choose ${zip}, then Next${i === 0 && zips.length > 1 ? " (the connector first: the flows solution needs it)" : ""}.`);
  return [
    "pac (the Microsoft Power Platform CLI) is not on PATH.",
    "Install it with the .NET SDK:  dotnet tool install --global Microsoft.PowerApps.CLI.Tool",
    "  (or install the Power Platform Tools extension for Visual Studio Code), then sign in:  pac auth create --environment <environment URL>",
    "Or import through the Dataverse Web API, without pac: add --environment https://<org>.crm.dynamics.com with the app's",
    "  --tenant, --client-id and AZURE_CLIENT_SECRET (the app must be an application user of the environment).",
    "Or import without pac, in the maker portal (https://make.powerapps.com, pick the target environment):",
    ...steps,
    "  For the flows solution, create or choose the connections the import asks for (F&O Recurring Integrations, Office 365 Outlook)",
    "  and fill in the environment variables it shows, then Import. `npm run cli -- setup` lists the sign-in steps around it.",
  ].join("\n");
}
