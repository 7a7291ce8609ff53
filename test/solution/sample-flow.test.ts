import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packSolution, sampleFlow } from "../../src/solution/index.ts";
import { downloadPathOf } from "../../src/workflows/download-path.ts";
import { childElements, findChild, parseXml, textOf, type XmlElement } from "../../src/solution/xml.ts";
import { hasShared, repoRoot } from "../support/shared.ts";
import { runFlow, type ConnectorAnswer, type ConnectorCall, type RunResult } from "./support/flow-runner.ts";
import { packedFlow, type FlowJson } from "./support/flows-solution.ts";
import { childNames, entry, realExportEntries, realExports } from "./support.ts";

const { connector, source, entries, customizations, manifest, workflow, flowFile, flow, actions } = packedFlow(sampleFlow.displayName);
type Flow = FlowJson;

// --- running the flow against a scripted connector -------------------------------------------------

const environment = "https://contoso.operations.dynamics.com";
const activityId = "6d31e09f-0a51-4f1c-9e0b-2f7a1c3b9d11";
const parameters = Object.fromEntries(
  Object.entries(flow.properties.definition.parameters).map(([name, p]) => [
    name,
    p.metadata?.schemaName.endsWith("ActivityId") ? activityId : p.metadata ? "ops@contoso.com" : {},
  ]),
);

function message(n: number, options: { withPackage?: boolean; http?: boolean } = {}): Record<string, unknown> {
  const withPackage = options.withPackage ?? true;
  const base = options.http ? environment.replace("https:", "http:") : environment;
  return {
    CorrelationId: `c${n}`,
    PopReceipt: `p${n}`,
    DownloadLocation: withPackage ? `${base}/api/connector/download/%7B${activityId}%7D?correlation-id=c${n}&blob=b${n}` : null,
    IsDownLoadFileExist: withPackage,
    FileDownLoadErrorMessage: withPackage ? "" : "The file was not found in the blob storage.",
    LastDequeueDateTime: null,
  };
}

/** A connector whose Dequeue answers the given queue in turn (then 204), and whose other operations answer `others`. */
function scripted(queue: ConnectorAnswer[], others: Partial<Record<string, (call: ConnectorCall) => ConnectorAnswer>> = {}) {
  const remaining = [...queue];
  return (call: ConnectorCall): ConnectorAnswer => {
    if (call.operationId === "Dequeue") return remaining.shift() ?? { statusCode: 204 };
    const answer = others[call.operationId];
    return answer ? answer(call) : { statusCode: 200, body: call.operationId === "Download" ? "PK…" : undefined };
  };
}
const run = (connectorAnswers: (call: ConnectorCall) => ConnectorAnswer): Promise<RunResult> => runFlow(flow as never, { parameters, connector: connectorAnswers });
const operations = (result: RunResult) => result.calls.map((c) => c.operationId);
const fnoError = (status: number, inner: string): ConnectorAnswer => ({
  statusCode: status,
  body: { error: { code: "", message: "An error has occurred.", innererror: { message: inner } } },
});

describe("the flows solution", () => {
  it("is its own solution: another unique name, the two sample flows as its root components", () => {
    expect(textOf(findChild(manifest, "UniqueName")!)).toBe(`${source.manifest.uniqueName}Flows`);
    const roots = childElements(findChild(manifest, "RootComponents")!);
    expect(roots.map((r) => r.attributes.type)).toEqual(["29", "29"]);
    expect(roots.map((r) => r.attributes.id)).toContain(workflow!.attributes.WorkflowId);
    expect(flowFile).toMatch(new RegExp(`^Workflows/[A-Za-z0-9-]+-${workflow!.attributes.WorkflowId!.slice(1, -1).toUpperCase()}\\.json$`));
  });

  it("reaches every connector through a connection reference defined in customizations.xml", () => {
    const references = childElements(findChild(customizations, "connectionreferences")!, "connectionreference").map(
      (r) => r.attributes.connectionreferencelogicalname,
    );
    for (const action of actions.values()) {
      if (!action.inputs?.host) continue;
      const reference = flow.properties.connectionReferences[action.inputs.host.connectionName];
      expect(reference, action.inputs.host.operationId).toBeDefined();
      expect(references).toContain(reference!.connection.connectionReferenceLogicalName);
    }
    const ours = Object.values(flow.properties.connectionReferences).find((r) => r.api.logicalName !== undefined);
    expect(ours?.api.logicalName).toBe(source.manifest.connector.schemaName);
  });

  it("reads its settings from environment variable definitions shipped in the zip", () => {
    const variables = Object.values(flow.properties.definition.parameters).flatMap((p) => (p.metadata ? [p.metadata.schemaName] : []));
    expect(variables).toHaveLength(2);
    for (const schemaName of variables) {
      const definition = parseXml(entry(entries, `environmentvariabledefinitions/${schemaName}/environmentvariabledefinition.xml`), schemaName);
      expect(definition.attributes.schemaname).toBe(schemaName);
    }
  });

  it("refuses to build when the connector no longer has an operation the flow uses", () => {
    const paths = structuredClone(connector.definition.paths) as Record<string, Record<string, { operationId?: string }>>;
    for (const item of Object.values(paths)) for (const op of Object.values(item)) if (op.operationId === "Acknowledge") op.operationId = "Ack";
    const renamed = { ...connector, definition: { ...connector.definition, paths } };
    expect(() => packSolution(renamed, { source, packageType: "unmanaged", part: "flows" })).toThrow(/no operation "Acknowledge"/);
  });
});

describe("the sample flow, run against a scripted connector", () => {
  it("drains the queue: Dequeue → Download → email → Acknowledge per message, until Dequeue answers 204", async () => {
    const result = await run(scripted([{ statusCode: 200, body: message(1) }, { statusCode: 200, body: message(2) }]));
    expect(result.status).toBe("Succeeded");
    expect(operations(result)).toEqual([...Array(2).fill(["Dequeue", "Download", "SendEmailV2", "Acknowledge"]).flat(), "Dequeue"]);
    const attachment = (result.calls.find((c) => c.operationId === "SendEmailV2")!.parameters["emailMessage/Attachments"] as { Name: string }[])[0];
    expect(attachment?.Name).toBe("c1.zip");
  });

  it("runs one round an hour at most: 60 rounds, then the loop stops", async () => {
    const endless = Array.from({ length: 100 }, (_, i) => ({ statusCode: 200, body: message(i) }));
    const result = await run(scripted(endless));
    expect(operations(result).filter((o) => o === "Dequeue")).toHaveLength(60);
  });
});

// --- connector/README.md's guidance, rule by rule ---------------------------------------------------

/** The rules of connector/README.md's "Guidance for flows" section: `- **id**: text`. */
function guidanceRules(): string[] {
  const readme = readFileSync(path.join(repoRoot, "connector", "README.md"), "utf8");
  const section = /## Guidance for flows\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
  return [...section.matchAll(/^- \*\*([a-z-]+)\*\*:/gm)].map((m) => m[1]!);
}

const ruleChecks: Record<string, () => Promise<void>> = {
  "dequeue-retry-none": async () => {
    expect(actions.get("Dequeue")!.inputs!.retryPolicy).toEqual({ type: "none" });
    // The default policy would send a failed Dequeue again, each time taking another message.
    const result = await run(scripted([fnoError(503, "Service unavailable.")]));
    expect(operations(result)).toEqual(["Dequeue"]);
  },
  "loop-until-empty": async () => {
    const result = await run(scripted([{ statusCode: 200, body: message(1) }]));
    expect(operations(result).at(-1)).toBe("Dequeue");
    expect(result.status).toBe("Succeeded");
    expect((await run(scripted([]))).calls).toHaveLength(1);
  },
  "check-package-exists": async () => {
    const result = await run(scripted([{ statusCode: 200, body: message(1, { withPackage: false }) }]));
    expect(result.status).toBe("Succeeded");
    expect(operations(result)).toEqual(["Dequeue", "SendEmailV2", "Acknowledge", "Dequeue"]);
    const report = result.calls[1]!.parameters;
    expect(String(report["emailMessage/Subject"])).toContain("c1");
    expect(String(report["emailMessage/Body"])).toContain("The file was not found in the blob storage.");
    expect(result.calls[2]!.parameters["message/CorrelationId"]).toBe("c1");
  },
  "download-path": async () => {
    const result = await run(scripted([{ statusCode: 200, body: message(1, { http: true }) }]));
    const download = result.calls.find((c) => c.operationId === "Download")!;
    // What the flow passes is what the typed helper computes, with no scheme or host in it.
    expect(download.parameters).toEqual({ downloadPath: downloadPathOf(String(message(1).DownloadLocation)) });
    expect(download.parameters.downloadPath).toBe(`api/connector/download/%7B${activityId}%7D?correlation-id=c1&blob=b1`);
  },
  "acknowledge-after-storing": async () => {
    const result = await run(scripted([{ statusCode: 200, body: message(1) }], { SendEmailV2: () => fnoError(500, "mailbox unavailable") }));
    expect(operations(result)).not.toContain("Acknowledge");
    const delivered = await run(scripted([{ statusCode: 200, body: message(1) }]));
    const ack = delivered.calls.find((c) => c.operationId === "Acknowledge")!;
    const fields = Object.fromEntries(Object.entries(ack.parameters).filter(([k]) => k.startsWith("message/")).map(([k, v]) => [k.slice(8), v]));
    expect(fields).toEqual(message(1));
  },
  "fail-on-errors": async () => {
    for (const status of [401, 500]) {
      const result = await run(scripted([fnoError(status, `F&O says ${status}`)]));
      expect(result.status, `Dequeue ${status}`).toBe("Failed");
      expect(result.error?.message).toContain(`HTTP ${status}`);
      expect(result.error?.message).toContain(`F&O says ${status}`);
      expect(operations(result), `Dequeue ${status}`).toEqual(["Dequeue"]);
    }
    const failedDownload = await run(scripted([{ statusCode: 200, body: message(1) }, { statusCode: 200, body: message(2) }], { Download: () => fnoError(404, "gone") }));
    expect(failedDownload.status).toBe("Failed");
    expect(failedDownload.error?.message).toContain("c1");
    expect(operations(failedDownload)).toEqual(["Dequeue", "Download"]);
    const failedAck = await run(scripted([{ statusCode: 200, body: message(1) }], { Acknowledge: () => fnoError(400, "stale pop receipt") }));
    expect(failedAck.status).toBe("Failed");
  },
};

describe("connector/README.md's guidance holds in the sample flow", () => {
  const rules = guidanceRules();

  it("the README lists rules, and every rule has a check here (and every check a rule)", () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    expect([...rules].sort()).toEqual(Object.keys(ruleChecks).sort());
  });

  it.each(Object.keys(ruleChecks))("%s", (rule) => ruleChecks[rule]!());
});

describe.skipIf(!hasShared)("the sample flow against the real export with a flow (EX-B)", async () => {
  const exB = hasShared ? await realExportEntries(realExports.connectorFlowCanvasApp) : new Map<string, Buffer>();
  const theirs = (): XmlElement =>
    childElements(findChild(parseXml(entry(exB, "customizations.xml"), "customizations.xml"), "Workflows")!, "Workflow")[0]!;

  it("has the <Workflow> attributes and children of EX-B, in order", () => {
    expect(Object.keys(workflow!.attributes)).toEqual(Object.keys(theirs().attributes));
    expect(childNames(workflow!)).toEqual(childNames(theirs()));
  });

  it("has the flow JSON's top-level shape of EX-B", () => {
    const exFlow = JSON.parse(entry(exB, textOf(findChild(theirs(), "JsonFileName")!).slice(1)).toString("utf8")) as Flow;
    expect(Object.keys(flow)).toEqual(Object.keys(exFlow));
    expect(Object.keys(flow.properties)).toEqual(Object.keys(exFlow.properties));
    const custom = (f: Flow) => Object.values(f.properties.connectionReferences).find((r) => r.api.logicalName !== undefined)!;
    expect(Object.keys(custom(flow))).toEqual(Object.keys(custom(exFlow)));
  });
});
