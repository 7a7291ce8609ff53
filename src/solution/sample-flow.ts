import type { CompiledConnector } from "../compile/package.ts";
import { definitionFile, dereference, isObject, operationsOf, parameterListOf, type JsonObject } from "../connector/index.ts";
import { xsiNamespace } from "./connector.ts";
import { SolutionError } from "./errors.ts";
import { nameBasedGuid, workflowFileName } from "./names.ts";
import type { SolutionManifest } from "./source.ts";
import { element, serializeXml, textElement, type XmlElement } from "./xml.ts";

/**
 * The sample cloud flow: every hour, until the export queue is empty, Dequeue → Download → send the
 * package as an Office 365 Outlook attachment → Acknowledge, following the guidance in connector/README.md
 * (test/solution/sample-flow.test.ts checks each rule). It reaches the connector through a connection
 * reference and reads two environment variables (activity ID, recipients) that the import asks for. Its
 * JSON is modelled on the flows of the real export EX-B and of Microsoft's Business Approvals Kit
 * (docs/format-notes.md, "Cloud flows"); docs/platform-assumptions.md ("Sample flow") lists
 * what only a live import can confirm.
 */
export const sampleFlow = {
  displayName: "Email F&O export packages (sample)",
} as const;

/** Component type of a cloud flow in RootComponents (EX-B, EX-E, EX-F, the Approvals Kit). */
export const workflowComponentType = "29";

export interface SampleFlowComponents {
  /** Files in the unpacked layout: the flow, its Workflows/…json.data.xml, the environment variable definitions. */
  files: Map<string, Buffer>;
  workflowId: string;
  /** The connection references the flow uses, by logical name: ours and Office 365 Outlook's. */
  connectionReferences: { connector: string; outlook: string };
}

export interface EnvironmentVariable {
  schemaName: string;
  displayName: string;
  description: string;
}

export const outlookApiName = "shared_office365";

/** What the flow needs to know about the connector solution it runs on. */
export interface FlowTarget {
  manifest: SolutionManifest;
  /** The connector's runtime API name without the environment's suffix (names.ts, connectorApiName). */
  apiName: string;
}

export function sampleFlowComponents(connector: CompiledConnector, target: FlowTarget): SampleFlowComponents {
  const { manifest } = target;
  const workflowId = nameBasedGuid(`${manifest.uniqueName}/workflow/sample-flow`);
  const jsonFile = `Workflows/${workflowFileName(sampleFlow.displayName, workflowId)}`;
  const { activityId, recipients } = sampleFlowEnvironmentVariables(manifest);
  const connectionReferences = sampleFlowConnectionReferences(manifest);

  const flow = flowJson(connector, target, { activityId, recipients, connectionReferences });
  const files = new Map<string, Buffer>([
    [jsonFile, Buffer.from(JSON.stringify(flow, null, 2).replace(/\n/g, "\r\n"), "utf8")],
    [`${jsonFile}.data.xml`, serializeXml(workflowElement(workflowId, jsonFile), "source")],
  ]);
  for (const variable of [activityId, recipients]) {
    files.set(
      `environmentvariabledefinitions/${variable.schemaName}/environmentvariabledefinition.xml`,
      serializeXml(environmentVariableDefinition(variable), "export"),
    );
  }
  return { files, workflowId, connectionReferences };
}

/** The environment variables the flow reads, which the flows solution's import asks for. */
export function sampleFlowEnvironmentVariables(manifest: SolutionManifest): { activityId: EnvironmentVariable; recipients: EnvironmentVariable } {
  const { prefix } = manifest.publisher;
  return {
    activityId: {
      schemaName: `${prefix}_FnoActivityId`,
      displayName: "Finance and Operations export activity ID",
      description: "ID of the recurring data job (export) whose queue the sample flow empties, from Manage scheduled data jobs.",
    },
    recipients: {
      schemaName: `${prefix}_FnoPackageRecipients`,
      displayName: "Finance and Operations package recipients",
      description: "Email addresses, separated by semicolons, that receive each exported package.",
    },
  };
}

/** The logical names of the flow's connection references: ours (prefix and the connector solution's name) and Office 365 Outlook's. */
export function sampleFlowConnectionReferences(manifest: SolutionManifest): SampleFlowComponents["connectionReferences"] {
  const { prefix } = manifest.publisher;
  return { connector: `${prefix}_${manifest.uniqueName}`, outlook: `${prefix}_FnoSampleFlowOffice365Outlook` };
}

/** The `<Workflow>` element, as EX-B's customizations.xml has it; imported switched off, to be turned on once connected. */
function workflowElement(workflowId: string, jsonFile: string): XmlElement {
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
  return element("Workflow", { WorkflowId: `{${workflowId}}`, Name: sampleFlow.displayName, "xmlns:xsi": xsiNamespace }, [
    ...fields.map(([name, value]) => textElement(name, value)),
    element("LocalizedNames", {}, [element("LocalizedName", { languagecode: "1033", description: sampleFlow.displayName })]),
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

interface FlowNames {
  activityId: EnvironmentVariable;
  recipients: EnvironmentVariable;
  connectionReferences: SampleFlowComponents["connectionReferences"];
}

/**
 * The Download input from Dequeue's Download location: its path and query without the leading slash.
 * The connector takes the host from the connection (docs/platform-assumptions.md, "Download from
 * DownloadLocation"), so the one expression the maker needs is this; it also drops an `http://` scheme F&O
 * may return.
 */
export const downloadPathExpression = (location: string): string => `@substring(uriPathAndQuery(${location}), 1)`;

function flowJson(connector: CompiledConnector, target: FlowTarget, names: FlowNames): unknown {
  const operations = new ConnectorOperations(connector.definition);
  const { apiName, manifest } = target;
  // A flow reads an environment variable as a definition parameter named "<display name> (<schema name>)" (CoE Starter Kit flows).
  const parameterName = (v: EnvironmentVariable): string => `${v.displayName} (${v.schemaName})`;
  const activityId = `@parameters('${parameterName(names.activityId)}')`;
  const recipients = `@parameters('${parameterName(names.recipients)}')`;
  const dequeued = (field: string): string => `body('Dequeue')?['${field}']`;
  const correlationId = `@{${dequeued("CorrelationId")}}`;

  const connectorAction = (operationId: string, parameters: Record<string, unknown>, runAfter: Record<string, string[]>, extra = {}): unknown => {
    operations.checkInputs(operationId, Object.keys(parameters));
    return {
      runAfter,
      type: "OpenApiConnection",
      inputs: {
        host: { connectionName: apiName, operationId, apiId: "" },
        parameters,
        authentication: "@parameters('$authentication')",
        ...extra,
      },
    };
  };
  const sendEmail = (subject: string, body: string, attachments: unknown[] | undefined, runAfter: Record<string, string[]>): unknown => ({
    runAfter,
    type: "OpenApiConnection",
    inputs: {
      host: { connectionName: outlookApiName, operationId: "SendEmailV2", apiId: `/providers/Microsoft.PowerApps/apis/${outlookApiName}` },
      parameters: {
        "emailMessage/To": recipients,
        "emailMessage/Subject": subject,
        "emailMessage/Body": body,
        ...(attachments ? { "emailMessage/Attachments": attachments } : {}),
        "emailMessage/Importance": "Normal",
      },
      authentication: "@parameters('$authentication')",
    },
  });
  const acknowledgeBody = operations.bodyParameter("Acknowledge");
  const acknowledge = (runAfter: Record<string, string[]>): unknown =>
    connectorAction(
      "Acknowledge",
      { activityId, ...Object.fromEntries(acknowledgeBody.properties.map((p) => [`${acknowledgeBody.name}/${p}`, `@${dequeued(p)}`])) },
      runAfter,
    );
  // Terminate is kept out of the loop: the loop records the failure and stops, and the run fails after it.
  const stopWithFailure = (name: string, after: string, message: string): Record<string, unknown> => ({
    [`Record_${name}`]: {
      runAfter: { [after]: ["Failed", "Skipped", "TimedOut"] },
      type: "SetVariable",
      inputs: { name: "Failure", value: message },
    },
    [`Stop_after_${name}`]: {
      runAfter: { [`Record_${name}`]: ["Succeeded"] },
      type: "SetVariable",
      inputs: { name: "Finished", value: true },
    },
  });

  return {
    properties: {
      connectionReferences: {
        [apiName]: {
          runtimeSource: "embedded",
          connection: { connectionReferenceLogicalName: names.connectionReferences.connector },
          api: { name: apiName, logicalName: manifest.connector.schemaName },
        },
        [outlookApiName]: {
          runtimeSource: "embedded",
          connection: { connectionReferenceLogicalName: names.connectionReferences.outlook },
          api: { name: outlookApiName },
        },
      },
      definition: {
        $schema: "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        contentVersion: "1.0.0.0",
        parameters: {
          $connections: { defaultValue: {}, type: "Object" },
          $authentication: { defaultValue: {}, type: "SecureObject" },
          ...Object.fromEntries(
            [names.activityId, names.recipients].map((v) => [
              parameterName(v),
              { defaultValue: "", type: "String", metadata: { schemaName: v.schemaName, description: v.description } },
            ]),
          ),
        },
        triggers: {
          Recurrence: { type: "Recurrence", recurrence: { frequency: "Hour", interval: 1 } },
        },
        actions: {
          Initialize_finished: {
            runAfter: {},
            type: "InitializeVariable",
            inputs: { variables: [{ name: "Finished", type: "boolean", value: false }] },
          },
          Initialize_failure: {
            runAfter: { Initialize_finished: ["Succeeded"] },
            type: "InitializeVariable",
            inputs: { variables: [{ name: "Failure", type: "string", value: "" }] },
          },
          Until_the_export_queue_is_empty: {
            runAfter: { Initialize_failure: ["Succeeded"] },
            type: "Until",
            expression: "@equals(variables('Finished'), true)",
            limit: { count: 60, timeout: "PT1H" },
            actions: {
              // A retried Dequeue takes another message while the first waits out its 30-minute visibility timeout.
              Dequeue: connectorAction("Dequeue", { activityId }, {}, { retryPolicy: { type: "none" } }),
              ...stopWithFailure(
                "the_Dequeue_failure",
                "Dequeue",
                `Dequeue failed with HTTP @{outputs('Dequeue')?['statusCode']}: @{coalesce(body('Dequeue')?['error']?['innererror']?['message'], body('Dequeue')?['error']?['message'], 'no error text')}`,
              ),
              // Dequeue answers 200 with a message, or 204 with no content when the queue is empty.
              Is_a_message_waiting: {
                runAfter: { Dequeue: ["Succeeded"] },
                type: "If",
                expression: { and: [{ equals: ["@outputs('Dequeue')?['statusCode']", 200] }] },
                actions: {
                  Has_the_message_a_package: {
                    runAfter: {},
                    type: "If",
                    expression: { and: [{ equals: [`@${dequeued("IsDownLoadFileExist")}`, true] }] },
                    actions: {
                      Download: connectorAction("Download", { downloadPath: downloadPathExpression(dequeued("DownloadLocation")) }, {}),
                      "Send_an_email_(V2)": sendEmail(
                        `F&O export package ${correlationId}`,
                        `<p>The recurring export of Finance and Operations produced the attached package (correlation ID ${correlationId}).</p>`,
                        // Raw bytes of the download; wrapping them in base64() would attach the base64 text instead.
                        [{ Name: `${correlationId}.zip`, ContentBytes: "@body('Download')" }],
                        { Download: ["Succeeded"] },
                      ),
                      Acknowledge: acknowledge({ "Send_an_email_(V2)": ["Succeeded"] }),
                      ...stopWithFailure(
                        "the_delivery_failure",
                        "Acknowledge",
                        `The package of message ${correlationId} was not delivered and stays in the queue; it is offered again after 30 minutes.`,
                      ),
                    },
                    else: {
                      // Nothing to download: say so once and acknowledge, or F&O offers the message every 30 minutes for ever.
                      actions: {
                        Report_the_missing_package: sendEmail(
                          `F&O export message ${correlationId} has no package`,
                          `<p>Finance and Operations dequeued message ${correlationId} without a package: @{${dequeued("FileDownLoadErrorMessage")}}. It was acknowledged; check the export job's execution history.</p>`,
                          undefined,
                          {},
                        ),
                        Acknowledge_the_message_without_a_package: acknowledge({ Report_the_missing_package: ["Succeeded"] }),
                        ...stopWithFailure(
                          "the_report_failure",
                          "Acknowledge_the_message_without_a_package",
                          `Message ${correlationId} has no package, and reporting or acknowledging it failed; it is offered again after 30 minutes.`,
                        ),
                      },
                    },
                  },
                },
                else: {
                  actions: {
                    Mark_the_queue_empty: { runAfter: {}, type: "SetVariable", inputs: { name: "Finished", value: true } },
                  },
                },
              },
            },
          },
          Did_anything_fail: {
            runAfter: { Until_the_export_queue_is_empty: ["Succeeded", "Failed", "TimedOut"] },
            type: "If",
            expression: { and: [{ not: { equals: ["@variables('Failure')", ""] } }] },
            actions: {
              Fail_the_run: {
                runAfter: {},
                type: "Terminate",
                inputs: { runStatus: "Failed", runError: { code: "FnoRecurringIntegrations", message: "@variables('Failure')" } },
              },
            },
            else: { actions: {} },
          },
        },
      },
    },
    schemaVersion: "1.0.0.0",
  };
}

/**
 * The compiled definition's operations, looked up by operationId through the connector model, so that the
 * flow fails to build (instead of failing after import) when an operation or parameter it uses is renamed.
 */
class ConnectorOperations {
  readonly #definition: Record<string, unknown>;

  constructor(definition: Record<string, unknown>) {
    this.#definition = definition;
  }

  /** Every input the flow passes must exist, and every required parameter must be passed (a body as `name/field`). */
  checkInputs(operationId: string, inputs: string[]): void {
    const { pointer, parameters } = this.#operation(operationId);
    const passed = new Set(inputs.map((i) => i.split("/")[0]));
    for (const input of passed) {
      if (!parameters.some((p) => p.name === input)) {
        throw new SolutionError(`${definitionFile} ${pointer}: ${operationId} has no parameter "${input}", which the sample flow sets`);
      }
    }
    for (const p of parameters) {
      if (p.required === true && typeof p.name === "string" && !passed.has(p.name)) {
        throw new SolutionError(`${definitionFile} ${pointer}: the sample flow does not set the required parameter "${p.name}" of ${operationId}`);
      }
    }
  }

  /** The body parameter's name and the property names of its object schema. */
  bodyParameter(operationId: string): { name: string; properties: string[] } {
    const { pointer, parameters } = this.#operation(operationId);
    const body = parameters.find((p) => p.in === "body");
    const schema = body === undefined ? undefined : dereference(this.#definition, body.schema, pointer);
    const properties = schema !== undefined && "value" in schema && isObject(schema.value) ? schema.value.properties : undefined;
    if (body === undefined || typeof body.name !== "string" || !isObject(properties)) {
      throw new SolutionError(`${definitionFile} ${pointer}: ${operationId} needs a body parameter with an object schema for the sample flow`);
    }
    return { name: body.name, properties: Object.keys(properties) };
  }

  #operation(operationId: string): { pointer: string; parameters: JsonObject[] } {
    const entry = operationsOf(this.#definition).find((e) => e.operation.operationId === operationId);
    if (entry === undefined) throw new SolutionError(`${definitionFile}: no operation "${operationId}", which the sample flow uses`);
    const { parameters, refProblems } = parameterListOf(this.#definition, entry);
    const [problem] = refProblems;
    if (problem) throw new SolutionError(`${definitionFile} ${problem.pointer}: ${problem.problem}`);
    return { pointer: entry.pointer, parameters: parameters.map((p) => p.parameter) };
  }
}
