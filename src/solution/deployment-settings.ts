import { SolutionError } from "./errors.ts";
import { descendants, parseXml, childText } from "./xml.ts";

/**
 * A deployment settings file in the shape `pac solution create-settings` writes and `pac solution import
 * --settings-file` reads (Microsoft Learn, "Pre-populate connection references and environment variables for
 * automated deployments"; the Approvals Kit's config/Test/deploymentSettings.json is a real one). Other fields
 * a file may carry (ConnectionOwner, DefaultValue, Name) are tolerated and ignored.
 */
export interface DeploymentSettings {
  EnvironmentVariables: { SchemaName: string; Value: string }[];
  ConnectionReferences: { LogicalName: string; ConnectionId: string; ConnectorId: string }[];
}

/** The zip entry of each environment variable definition (the layout of real exports and of our packer). */
const variableEntry = /^environmentvariabledefinitions\/[^/]+\/environmentvariabledefinition\.xml$/;

/**
 * The settings template of a solution package: every connection reference with its connector and every
 * environment variable, values empty, read from the package itself as pac reads it, so the file always
 * names what the import will ask for.
 */
export function settingsTemplate(entries: ReadonlyMap<string, Buffer>, zipName: string): DeploymentSettings {
  const customizations = entries.get("customizations.xml");
  if (customizations === undefined) throw new SolutionError(`${zipName}: no customizations.xml; is this a solution package?`);
  const root = parseXml(customizations, `${zipName} customizations.xml`);
  const ConnectionReferences = [...descendants(root)]
    .filter((el) => el.name === "connectionreference")
    .map((el) => ({
      LogicalName: el.attributes.connectionreferencelogicalname ?? "",
      ConnectionId: "",
      ConnectorId: childText(el, "connectorid") ?? "",
    }));
  const EnvironmentVariables = [...entries.keys()]
    .filter((name) => variableEntry.test(name))
    .sort()
    .map((name) => ({ SchemaName: parseXml(entries.get(name)!, `${zipName} ${name}`).attributes.schemaname ?? "", Value: "" }));
  return { EnvironmentVariables, ConnectionReferences };
}

/** The file's text: two-space JSON, as pac writes it, with a final newline. */
export function formatSettings(settings: DeploymentSettings): string {
  return JSON.stringify(settings, null, 2) + "\n";
}

/**
 * Reads a settings file against the package's template: each entry must name something the package has
 * (a typo would otherwise leave a reference silently unset). Errors name the file and the JSON pointer.
 */
export function parseSettings(text: string, file: string, template: DeploymentSettings): DeploymentSettings {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new SolutionError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SolutionError(`${file}: expected an object with EnvironmentVariables and ConnectionReferences`);
  const record = value as Record<string, unknown>;
  const list = (key: keyof DeploymentSettings): Record<string, unknown>[] => {
    const items = record[key] ?? [];
    if (!Array.isArray(items)) throw new SolutionError(`${file} /${key}: expected an array`);
    return items.map((item, i) => {
      if (item === null || typeof item !== "object" || Array.isArray(item)) throw new SolutionError(`${file} /${key}/${i}: expected an object`);
      return item as Record<string, unknown>;
    });
  };
  const text_ = (item: Record<string, unknown>, field: string, pointer: string, required: boolean): string => {
    const v = item[field];
    if (v === undefined || v === null) {
      if (required) throw new SolutionError(`${file} ${pointer}/${field}: missing`);
      return "";
    }
    if (typeof v !== "string") throw new SolutionError(`${file} ${pointer}/${field}: expected a string`);
    // A pipeline's placeholder left in place (#{…}#, @@…@@, {{…}}) would reach Dataverse as a value.
    if (/^(#\{.*\}#|@@.*@@|\{\{.*\}\})$/.test(v.trim())) throw new SolutionError(`${file} ${pointer}/${field}: "${v}" is a placeholder that was never replaced`);
    return v.trim();
  };
  const known = (names: string[], name: string, pointer: string, what: string): void => {
    if (!names.includes(name)) {
      throw new SolutionError(`${file} ${pointer}: the flows solution has no ${what} "${name}"; it has ${names.map((n) => `"${n}"`).join(", ") || "none"}`);
    }
  };
  const variableNames = template.EnvironmentVariables.map((v) => v.SchemaName);
  const referenceNames = template.ConnectionReferences.map((r) => r.LogicalName);
  return {
    EnvironmentVariables: list("EnvironmentVariables").map((item, i) => {
      const pointer = `/EnvironmentVariables/${i}`;
      const SchemaName = text_(item, "SchemaName", pointer, true);
      known(variableNames, SchemaName, `${pointer}/SchemaName`, "environment variable");
      return { SchemaName, Value: text_(item, "Value", pointer, false) };
    }),
    ConnectionReferences: list("ConnectionReferences").map((item, i) => {
      const pointer = `/ConnectionReferences/${i}`;
      const LogicalName = text_(item, "LogicalName", pointer, true);
      known(referenceNames, LogicalName, `${pointer}/LogicalName`, "connection reference");
      const ConnectorId = text_(item, "ConnectorId", pointer, false) || template.ConnectionReferences.find((r) => r.LogicalName === LogicalName)!.ConnectorId;
      return { LogicalName, ConnectionId: text_(item, "ConnectionId", pointer, false), ConnectorId };
    }),
  };
}
