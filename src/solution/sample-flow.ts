import type { CompiledConnector } from "../compile/package.ts";
import {
  ConnectorActions,
  environmentVariableExpression,
  flowConnectionReferences,
  fnoErrorText,
  outlookApiName,
  solutionFlow,
  type EnvironmentVariable,
  type FlowConnectionReferences,
  type FlowTarget,
  type SolutionFlow,
} from "./flow-parts.ts";
import type { SolutionManifest } from "./source.ts";

/**
 * The export sample flow: every hour, until the export queue is empty, Dequeue → Download → send the
 * package as an Office 365 Outlook attachment → Acknowledge, following the guidance in connector/README.md
 * (test/solution/sample-flow.test.ts checks each rule). It reaches the connector through a connection
 * reference and reads two environment variables (activity ID, recipients) that the import asks for.
 * docs/platform-assumptions.md ("Sample flow") lists what only a live import can confirm.
 */
export const sampleFlow = {
  displayName: "Email F&O export packages (sample)",
} as const;

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

/** The connection references the flows solution's import asks a connection for: ours and Office 365 Outlook's. */
export function sampleFlowConnectionReferences(manifest: SolutionManifest): FlowConnectionReferences {
  return flowConnectionReferences(manifest);
}

/**
 * The Download input from Dequeue's Download location: its path and query without the leading slash.
 * The connector takes the host from the connection (docs/platform-assumptions.md, "Download from
 * DownloadLocation"), so the one expression the maker needs is this; it also drops an `http://` scheme F&O
 * may return.
 */
export const downloadPathExpression = (location: string): string => `@substring(uriPathAndQuery(${location}), 1)`;

export function sampleFlowComponents(connector: CompiledConnector, target: FlowTarget): SolutionFlow {
  const variables = sampleFlowEnvironmentVariables(target.manifest);
  const operations = new ConnectorActions(connector.definition, target.apiName);
  const activityId = environmentVariableExpression(variables.activityId);
  const recipients = environmentVariableExpression(variables.recipients);
  const dequeued = (field: string): string => `body('Dequeue')?['${field}']`;
  const correlationId = `@{${dequeued("CorrelationId")}}`;

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
    operations.action(
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

  return solutionFlow(target, {
    // The key of the flow's GUID since the first release: the flow keeps its identity across versions.
    key: "sample-flow",
    displayName: sampleFlow.displayName,
    usesOutlook: true,
    variables: [variables.activityId, variables.recipients],
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
          Dequeue: operations.action("Dequeue", { activityId }, {}, { retryPolicy: { type: "none" } }),
          ...stopWithFailure(
            "the_Dequeue_failure",
            "Dequeue",
            `Dequeue failed with HTTP @{outputs('Dequeue')?['statusCode']}: @{${fnoErrorText("Dequeue")}}`,
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
                  Download: operations.action("Download", { downloadPath: downloadPathExpression(dequeued("DownloadLocation")) }, {}),
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
  });
}
