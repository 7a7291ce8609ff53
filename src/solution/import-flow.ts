import type { CompiledConnector } from "../compile/package.ts";
import { ConnectorActions, fnoErrorText, solutionFlow, type FlowTarget, type SolutionFlow } from "./flow-parts.ts";

/**
 * The import sample flow, the steps of connector/README.md's package section: run by hand with a data package,
 * it gets a write URL, uploads the package with the plain HTTP action (PUT, `x-ms-blob-type: BlockBlob`, no
 * authentication: the blob URL carries its own SAS, and the connection's token must reach the environment
 * only), starts ImportFromPackage, and polls GetExecutionSummaryStatus with a delay until the status is final
 * (bounded by a count and a timeout). Anything but Succeeded fails the run with the status, the execution's
 * errors and the link to its summary page; a failed write URL, upload or ImportFromPackage fails it with each
 * step's HTTP status and F&O's text. test/solution/import-flow.test.ts runs it against the simulator.
 * docs/platform-assumptions.md ("Sample flow") gives the evidence for each construct.
 */
export const importFlow = {
  displayName: "Import an F&O data package (sample)",
  /** The action names the README's expressions refer to (`body('<step name>')`). */
  writeUrlStep: "Get_a_write_URL_for_a_package_upload",
  uploadStep: "Upload_the_package_to_the_write_URL",
  importStep: "Import_a_data_package",
  /** Statuses after which GetExecutionSummaryStatus does not change (connector/README.md, step 5). */
  finalStatuses: ["Succeeded", "PartiallySucceeded", "Failed", "Canceled"],
  /** One status check a minute, for an hour at most. */
  poll: { delayMinutes: 1, count: 60, timeout: "PT1H" },
} as const;

/** The BlobUrl inside GetAzureWriteUrl's `value`, a JSON text parsed with `json()` (connector/README.md, step 2). */
export const writeUrlExpression = `json(body('${importFlow.writeUrlStep}')?['value'])?['BlobUrl']`;

/**
 * The manual trigger's inputs, keyed as the designer keys them (`file`, `text`, `text_1`): the package as a File
 * input (`{name, contentBytes}`, the content in base64), the data project and the legal entity as Text inputs.
 */
const triggerInputs = {
  file: { title: "Data package", description: "The data package (.zip) to import: Manifest.xml, PackageHeader.xml and the entity files." },
  dataProject: { key: "text", title: "Data project", description: "The Name of the import data project in Data management, for example CustomersImport." },
  legalEntity: { key: "text_1", title: "Legal entity", description: "The legal entity (DataAreaId) to import into, for example USMF." },
} as const;

export function importFlowComponents(connector: CompiledConnector, target: FlowTarget): SolutionFlow {
  const operations = new ConnectorActions(connector.definition, target.apiName);
  const { writeUrlStep, uploadStep, importStep, finalStatuses, poll } = importFlow;
  const importBody = operations.bodyParameter("ImportFromPackage").name;
  const writeUrlBody = operations.bodyParameter("GetAzureWriteUrl").name;
  const executionBody = (operationId: string): string => operations.bodyParameter(operationId).name;
  const input = (key: string): string => `triggerBody()?['${key}']`;
  const fileName = `${input("file")}?['name']`;
  const executionId = `body('${importStep}')?['value']`;
  const statusStep = "Get_the_summary_status_of_the_execution";
  const errorsStep = "Get_the_errors_of_the_execution";
  const pageStep = "Get_the_link_to_the_execution_summary_page";
  const status = "variables('ExecutionStatus')";
  const textInput = (i: { title: string; description: string }) => ({ title: i.title, type: "string", "x-ms-dynamically-added": true, description: i.description, "x-ms-content-hint": "TEXT" });
  const importOf = `The import of @{${fileName}} into data project @{${input(triggerInputs.dataProject.key)}}`;
  const failTheRun = (runAfter: Record<string, string[]>, message: string) => ({
    runAfter,
    type: "Terminate",
    inputs: { runStatus: "Failed", runError: { code: "FnoPackageImport", message } },
  });
  const checkExecution = (operationId: string, runAfter: Record<string, string[]>) =>
    operations.action(operationId, { [`${executionBody(operationId)}/executionId`]: `@${executionId}` }, runAfter);

  return solutionFlow(target, {
    key: "import-package-flow",
    displayName: importFlow.displayName,
    usesOutlook: false,
    variables: [],
    triggers: {
      manual: {
        type: "Request",
        kind: "Button",
        inputs: {
          schema: {
            type: "object",
            properties: {
              file: {
                title: triggerInputs.file.title,
                type: "object",
                "x-ms-dynamically-added": true,
                description: triggerInputs.file.description,
                "x-ms-content-hint": "FILE",
                properties: { name: { type: "string" }, contentBytes: { type: "string", format: "byte" } },
              },
              [triggerInputs.dataProject.key]: textInput(triggerInputs.dataProject),
              [triggerInputs.legalEntity.key]: textInput(triggerInputs.legalEntity),
            },
            required: ["file", triggerInputs.dataProject.key, triggerInputs.legalEntity.key],
          },
        },
      },
    },
    actions: {
      Initialize_status: {
        runAfter: {},
        type: "InitializeVariable",
        inputs: { variables: [{ name: "ExecutionStatus", type: "string", value: "Unknown" }] },
      },
      Initialize_failure: {
        runAfter: { Initialize_status: ["Succeeded"] },
        type: "InitializeVariable",
        inputs: { variables: [{ name: "Failure", type: "string", value: "" }] },
      },
      [writeUrlStep]: operations.action("GetAzureWriteUrl", { [`${writeUrlBody}/uniqueFileName`]: "@concat('package-', guid(), '.zip')" }, { Initialize_failure: ["Succeeded"] }),
      // The built-in HTTP action, never the connector: its authentication would send the connection's token to
      // Azure storage. No `authentication` input means none; the SAS in the URL is the only credential.
      [uploadStep]: {
        runAfter: { [writeUrlStep]: ["Succeeded"] },
        type: "Http",
        inputs: {
          method: "PUT",
          uri: `@${writeUrlExpression}`,
          headers: { "x-ms-blob-type": "BlockBlob" },
          // The File input holds base64 text; the blob must get the package's bytes.
          body: `@base64ToBinary(${input("file")}?['contentBytes'])`,
        },
      },
      // No retry: a retried ImportFromPackage may start a second import, and F&O refuses parallel ones.
      [importStep]: operations.action(
        "ImportFromPackage",
        {
          [`${importBody}/packageUrl`]: `@${writeUrlExpression}`,
          [`${importBody}/definitionGroupId`]: `@${input(triggerInputs.dataProject.key)}`,
          [`${importBody}/execute`]: true,
          [`${importBody}/overwrite`]: true,
          [`${importBody}/legalEntityId`]: `@${input(triggerInputs.legalEntity.key)}`,
        },
        { [uploadStep]: ["Succeeded"] },
        { retryPolicy: { type: "none" } },
      ),
      // Without an execution there is nothing to poll: say which step failed, with F&O's text for ImportFromPackage.
      Fail_the_run_before_the_import: failTheRun(
        { [importStep]: ["Failed", "Skipped", "TimedOut"] },
        `${importOf} did not start. ` +
          `Get a write URL: HTTP @{outputs('${writeUrlStep}')?['statusCode']}; upload: HTTP @{outputs('${uploadStep}')?['statusCode']}; ` +
          `Import a data package: HTTP @{outputs('${importStep}')?['statusCode']}, @{${fnoErrorText(importStep)}}`,
      ),
      Until_the_import_has_finished: {
        runAfter: { [importStep]: ["Succeeded"] },
        type: "Until",
        expression: `@or(${finalStatuses.map((s) => `equals(${status}, '${s}')`).join(", ")}, not(equals(variables('Failure'), '')))`,
        limit: { count: poll.count, timeout: poll.timeout },
        actions: {
          Delay: { runAfter: {}, type: "Wait", inputs: { interval: { count: poll.delayMinutes, unit: "Minute" } } },
          [statusStep]: checkExecution("GetExecutionSummaryStatus", { Delay: ["Succeeded"] }),
          Record_the_status: {
            runAfter: { [statusStep]: ["Succeeded"] },
            type: "SetVariable",
            inputs: { name: "ExecutionStatus", value: `@body('${statusStep}')?['value']` },
          },
          // Terminate is not allowed inside Until: record the failure, which ends the loop.
          Record_the_status_failure: {
            runAfter: { [statusStep]: ["Failed", "TimedOut"] },
            type: "SetVariable",
            inputs: {
              name: "Failure",
              value: `Checking the status failed (HTTP @{outputs('${statusStep}')?['statusCode']}: @{${fnoErrorText(statusStep)}}). `,
            },
          },
        },
      },
      Did_the_import_succeed: {
        runAfter: { Until_the_import_has_finished: ["Succeeded", "Failed", "TimedOut"] },
        type: "If",
        expression: { and: [{ equals: [`@${status}`, "Succeeded"] }] },
        actions: {},
        else: {
          actions: {
            [errorsStep]: checkExecution("GetExecutionErrors", {}),
            [pageStep]: checkExecution("GetExecutionSummaryPageUrl", { [errorsStep]: ["Succeeded", "Failed", "TimedOut"] }),
            Fail_the_run: failTheRun(
              { [pageStep]: ["Succeeded", "Failed", "TimedOut"] },
              `${importOf} (execution @{${executionId}}) did not succeed: last status @{${status}}. @{variables('Failure')}` +
                `Execution errors: @{coalesce(body('${errorsStep}')?['value'], 'not available')}. ` +
                `Execution summary: @{coalesce(body('${pageStep}')?['value'], 'not available')}`,
            ),
          },
        },
      },
    },
  });
}
