import type { CompiledConnector } from "../compile/package.ts";
import { SolutionError } from "./errors.ts";
import { element, serializeXml, textElement } from "./xml.ts";

/** The custom-connector type in `<connectortype>` (option set: 0 not specified, 1 custom, 2 connection-less). */
const customConnectorType = "1";

export const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

/**
 * The connector as `pac solution unpack` lays it out: `Connectors/<name>.xml` (the `<Connector>`
 * element of customizations.xml) and the four files it points to. Contents, following real exports
 * (docs/format-notes.md, "Solution zip"):
 * - openapidefinition.json: the compiled `apiDefinition.swagger.json`, byte for byte;
 * - connectionparameters.json: `properties.connectionParameters` of apiProperties.json, bare (not wrapped);
 * - policytemplateinstances.json: `properties.policyTemplateInstances`, or `null` when there are none;
 * - iconblob.<Png|Jpeg>: the compiled `icon.png`, byte for byte, the extension naming the image type.
 * Other apiProperties fields (capabilities, publisher, stackOwner) have no place in a solution: no export carries them.
 */
export function connectorFolderEntries(connector: CompiledConnector, identity: { id: string; name: string }): Map<string, Buffer> {
  const info = asRecord(connector.definition.info, "apiDefinition.swagger.json /info");
  const displayName = requireString(info.title, "apiDefinition.swagger.json /info/title");
  const description = typeof info.description === "string" ? info.description : "";
  const properties = asRecord(connector.properties.properties, "apiProperties.json /properties");
  for (const unsupported of ["connectionParameterSets", "scriptOperations"]) {
    if (unsupported in properties) {
      throw new SolutionError(`apiProperties.json /properties/${unsupported}: not supported in a solution package yet (no real export to model it on)`);
    }
  }
  const brandColor = requireString(properties.iconBrandColor, "apiProperties.json /properties/iconBrandColor");
  const icon = requireFile(connector, "icon.png");
  const stem = `Connector/${identity.name}`;
  const files = {
    openapidefinition: `${stem}_openapidefinition.json`,
    connectionparameters: `${stem}_connectionparameters.json`,
    policytemplateinstances: `${stem}_policytemplateinstances.json`,
    iconblob: `${stem}_iconblob.${imageExtension(icon)}`,
  };
  const connectorXml = element("Connector", { "xmlns:xsi": xsiNamespace }, [
    textElement("connectorid", identity.id),
    textElement("description", description),
    textElement("displayname", displayName),
    textElement("iconbrandcolor", brandColor),
    textElement("name", identity.name),
    textElement("connectortype", customConnectorType),
    textElement("openapidefinition", `/${files.openapidefinition}`),
    textElement("connectionparameters", `/${files.connectionparameters}`),
    textElement("policytemplateinstances", `/${files.policytemplateinstances}`),
    textElement("iconblob", `/${files.iconblob}`),
  ]);
  // In the unpacked layout the data files live in Connectors/ (plural), next to the element file.
  const unpacked = (zipPath: string): string => zipPath.replace(/^Connector\//, "Connectors/");
  return new Map([
    [`Connectors/${identity.name}.xml`, serializeXml(connectorXml, "source")],
    [unpacked(files.openapidefinition), requireFile(connector, "apiDefinition.swagger.json")],
    [unpacked(files.connectionparameters), compactJson(properties.connectionParameters ?? {})],
    [unpacked(files.policytemplateinstances), compactJson(properties.policyTemplateInstances ?? null)],
    [unpacked(files.iconblob), icon],
  ]);
}

/** Dataverse writes these two files minified without a final newline (`{}`, `null` in EX-A and EX-B). */
function compactJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

/** The icon's extension as exports spell it (`Png`, `Jpeg`), from the image's signature, not its file name. */
function imageExtension(bytes: Buffer): "Png" | "Jpeg" {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "Png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "Jpeg";
  throw new SolutionError("icon.png: neither a PNG nor a JPEG image; the connector icon must be one of those");
}

function requireFile(connector: CompiledConnector, name: "icon.png" | "apiDefinition.swagger.json"): Buffer {
  const bytes = connector.files.get(name);
  if (bytes === undefined) throw new SolutionError(`the compiled connector has no ${name}`);
  return bytes;
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SolutionError(`${where}: expected an object`);
  return value as Record<string, unknown>;
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new SolutionError(`${where}: expected a non-empty string`);
  return value;
}
