import { definitionFile, dereference, isObject, operationsOf, parameterListOf, type JsonObject } from "../connector/index.ts";
import { xsiNamespace } from "./connector.ts";
import { SolutionError } from "./errors.ts";
import { nameBasedGuid, workflowFileName } from "./names.ts";
import type { SolutionManifest } from "./source.ts";
import { element, serializeXml, textElement, type XmlElement } from "./xml.ts";

/**
 * What the flows solution's cloud flows share: the flow JSON's envelope, the `<Workflow>` element, environment
 * variable definitions and the connector actions, each checked against the compiled definition. The shapes are
 * those of the real export EX-B and of Microsoft's Business Approvals Kit (docs/format-notes.md, "Cloud flows";
 * docs/platform-assumptions.md, "Sample flow").
 */

/** Component type of a cloud flow in RootComponents (EX-B, EX-E, EX-F, the Approvals Kit). */
export const workflowComponentType = "29";

export const outlookApiName = "shared_office365";

/** What a flow needs to know about the connector solution it runs on. */
export interface FlowTarget {
  manifest: SolutionManifest;
  /** The connector's runtime API name without the environment's suffix (names.ts, connectorApiName). */
  apiName: string;
}

export interface EnvironmentVariable {
  schemaName: string;
  displayName: string;
  description: string;
}

/** The connection references of the flows solution, by logical name: ours and Office 365 Outlook's. */
export interface FlowConnectionReferences {
  connector: string;
  outlook: string;
}

/** One cloud flow of the flows solution, as its files in the unpacked layout. */
export interface SolutionFlow {
  displayName: string;
  workflowId: string;
  /** `Workflows/<name>-<GUID>.json` and its `.data.xml`, plus the definitions of the environment variables it reads. */
  files: Map<string, Buffer>;
}

/** The logical names of the connection references: ours (prefix and the connector solution's name) and Office 365 Outlook's. */
export function flowConnectionReferences(manifest: SolutionManifest): FlowConnectionReferences {
  const { prefix } = manifest.publisher;
  return { connector: `${prefix}_${manifest.uniqueName}`, outlook: `${prefix}_FnoSampleFlowOffice365Outlook` };
}

/** A flow reads an environment variable as a definition parameter named "<display name> (<schema name>)" (CoE Starter Kit flows). */
export function environmentVariableExpression(variable: EnvironmentVariable): string {
  return `@parameters('${parameterName(variable)}')`;
}

function parameterName(variable: EnvironmentVariable): string {
  return `${variable.displayName} (${variable.schemaName})`;
}

/** The text F&O gives for a failed connector action: OData's inner message, else its message. */
export function fnoErrorText(action: string): string {
  return `coalesce(body('${action}')?['error']?['innererror']?['message'], body('${action}')?['error']?['message'], 'no error text')`;
}

export interface FlowDefinition {
  /** Key of the flow's name-based GUID: changing it gives the flow another identity on import. */
  key: string;
  displayName: string;
  /** Whether the flow sends email through the Office 365 Outlook reference. */
  usesOutlook: boolean;
  variables: EnvironmentVariable[];
  triggers: Record<string, unknown>;
  actions: Record<string, unknown>;
}

/** The flow's files: its JSON (EX-B's envelope, CRLF), the `<Workflow>` element and its environment variables' definitions. */
export function solutionFlow(target: FlowTarget, flow: FlowDefinition): SolutionFlow {
  const { manifest, apiName } = target;
  const workflowId = nameBasedGuid(`${manifest.uniqueName}/workflow/${flow.key}`);
  const jsonFile = `Workflows/${workflowFileName(flow.displayName, workflowId)}`;
  const references = flowConnectionReferences(manifest);
  const json = {
    properties: {
      connectionReferences: {
        [apiName]: {
          runtimeSource: "embedded",
          connection: { connectionReferenceLogicalName: references.connector },
          api: { name: apiName, logicalName: manifest.connector.schemaName },
        },
        ...(flow.usesOutlook
          ? { [outlookApiName]: { runtimeSource: "embedded", connection: { connectionReferenceLogicalName: references.outlook }, api: { name: outlookApiName } } }
          : {}),
      },
      definition: {
        $schema: "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        contentVersion: "1.0.0.0",
        parameters: {
          $connections: { defaultValue: {}, type: "Object" },
          $authentication: { defaultValue: {}, type: "SecureObject" },
          ...Object.fromEntries(
            flow.variables.map((v) => [parameterName(v), { defaultValue: "", type: "String", metadata: { schemaName: v.schemaName, description: v.description } }]),
          ),
        },
        triggers: flow.triggers,
        actions: flow.actions,
      },
    },
    schemaVersion: "1.0.0.0",
  };
  const files = new Map<string, Buffer>([
    [jsonFile, Buffer.from(JSON.stringify(json, null, 2).replace(/\n/g, "\r\n"), "utf8")],
    [`${jsonFile}.data.xml`, serializeXml(workflowElement(workflowId, jsonFile, flow.displayName), "source")],
  ]);
  for (const variable of flow.variables) {
    files.set(`environmentvariabledefinitions/${variable.schemaName}/environmentvariabledefinition.xml`, serializeXml(environmentVariableDefinition(variable), "export"));
  }
  return { displayName: flow.displayName, workflowId, files };
}

/** The `<Workflow>` element, as EX-B's customizations.xml has it; imported switched off, to be turned on once connected. */
function workflowElement(workflowId: string, jsonFile: string, displayName: string): XmlElement {
  const fields: [string, string][] = [
    ["JsonFileName", `/${jsonFile}`],
    ["Type", "1"],
    ["Subprocess", "0"],
    ["Category", "5"],
    ["Mode", "0"],
    ["Scope", "4"],
    ["OnDemand", "0"],
    ["TriggerOnCreate", "0"],
    ["TriggerOnDelete", "0"],
    ["AsyncAutodelete", "0"],
    ["SyncWorkflowLogOnFailure", "0"],
    ["StateCode", "0"],
    ["StatusCode", "1"],
    ["RunAs", "1"],
    ["IsTransacted", "1"],
    ["IntroducedVersion", "1.0"],
    ["IsCustomizable", "1"],
    ["BusinessProcessType", "0"],
    ["IsCustomProcessingStepAllowedForOtherPublishers", "1"],
    ["PrimaryEntity", "none"],
  ];
  return element("Workflow", { WorkflowId: `{${workflowId}}`, Name: displayName, "xmlns:xsi": xsiNamespace }, [
    ...fields.map(([name, value]) => textElement(name, value)),
    element("LocalizedNames", {}, [element("LocalizedName", { languagecode: "1033", description: displayName })]),
  ]);
}

/** environmentvariabledefinition.xml as in EX-E and the Approvals Kit: elements in alphabetical order; type 100000000 is Text. */
function environmentVariableDefinition(variable: EnvironmentVariable): XmlElement {
  const label = (text: string): XmlElement[] => [element("label", { description: text, languagecode: "1033" })];
  return element("environmentvariabledefinition", { schemaname: variable.schemaName }, [
    element("description", { default: variable.description }, label(variable.description)),
    element("displayname", { default: variable.displayName }, label(variable.displayName)),
    textElement("introducedversion", "1.0.0.0"),
    textElement("iscustomizable", "1"),
    textElement("isrequired", "1"),
    textElement("secretstore", "0"),
    textElement("type", "100000000"),
  ]);
}

/**
 * The connector's actions for a flow, looked up by operationId in the compiled definition, so that a flow fails
 * to build (instead of failing after import) when an operation or parameter it uses is renamed.
 */
export class ConnectorActions {
  readonly #definition: Record<string, unknown>;
  readonly #apiName: string;

  constructor(definition: Record<string, unknown>, apiName: string) {
    this.#definition = definition;
    this.#apiName = apiName;
  }

  /**
   * An `OpenApiConnection` action with the designer's flattened inputs (path parameters by name, body fields as
   * `<body name>/<field>`), after checking them against the operation.
   */
  action(operationId: string, parameters: Record<string, unknown>, runAfter: Record<string, string[]>, extra: Record<string, unknown> = {}): unknown {
    this.#checkInputs(operationId, Object.keys(parameters));
    return {
      runAfter,
      type: "OpenApiConnection",
      inputs: {
        host: { connectionName: this.#apiName, operationId, apiId: "" },
        parameters,
        authentication: "@parameters('$authentication')",
        ...extra,
      },
    };
  }

  /** The body parameter's name and the property names of its object schema. */
  bodyParameter(operationId: string): { name: string; properties: string[] } {
    const { pointer, parameters } = this.#operation(operationId);
    const body = parameters.find((p) => p.in === "body");
    const schema = body === undefined ? undefined : dereference(this.#definition, body.schema, pointer);
    const properties = schema !== undefined && "value" in schema && isObject(schema.value) ? schema.value.properties : undefined;
    if (body === undefined || typeof body.name !== "string" || !isObject(properties)) {
      throw new SolutionError(`${definitionFile} ${pointer}: ${operationId} needs a body parameter with an object schema for the sample flows`);
    }
    return { name: body.name, properties: Object.keys(properties) };
  }

  /** Every input the flow passes must exist, and every required parameter must be passed (a body as `name/field`). */
  #checkInputs(operationId: string, inputs: string[]): void {
    const { pointer, parameters } = this.#operation(operationId);
    const passed = new Set(inputs.map((i) => i.split("/")[0]));
    for (const input of passed) {
      if (!parameters.some((p) => p.name === input)) {
        throw new SolutionError(`${definitionFile} ${pointer}: ${operationId} has no parameter "${input}", which a sample flow sets`);
      }
    }
    for (const p of parameters) {
      if (p.required === true && typeof p.name === "string" && !passed.has(p.name)) {
        throw new SolutionError(`${definitionFile} ${pointer}: a sample flow does not set the required parameter "${p.name}" of ${operationId}`);
      }
    }
  }

  #operation(operationId: string): { pointer: string; parameters: JsonObject[] } {
    const entry = operationsOf(this.#definition).find((e) => e.operation.operationId === operationId);
    if (entry === undefined) throw new SolutionError(`${definitionFile}: no operation "${operationId}", which a sample flow uses`);
    const { parameters, refProblems } = parameterListOf(this.#definition, entry);
    const [problem] = refProblems;
    if (problem) throw new SolutionError(`${definitionFile} ${problem.pointer}: ${problem.problem}`);
    return { pointer: entry.pointer, parameters: parameters.map((p) => p.parameter) };
  }
}
