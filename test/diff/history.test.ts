/**
 * Real history: pairs of versions of public connectors. The shared corpus holds microsoft/PowerPlatformConnectors
 * at commit 8bff86ea; each fixture in history/ is an RFC 6902 patch from a corpus apiDefinition to another stored
 * version of the same file (its commit, what changed, which side is older and what the patch covers are written in
 * the fixture). The expected changes below were read off the two versions by hand, not copied from the diff's output.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diffConnectors, readConnector, type Change } from "../../src/diff/index.ts";
import { corpusDir, hasShared } from "../support/shared.ts";
import { applyPatch, type PatchOperation } from "./json-patch.ts";

interface HistoryFixture {
  connector: string;
  storedCommit: string;
  older: "stored" | "corpus";
  patch: PatchOperation[];
}

const historyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "history");

/** Every change from the older version of fixture `name` to the newer one. */
function historyDiff(name: string): Change[] {
  const fixture = JSON.parse(readFileSync(path.join(historyDir, `${name}.json`), "utf8")) as HistoryFixture;
  const corpus = readConnector(path.join(corpusDir, fixture.connector.replace("/", "__")));
  const stored = { definition: applyPatch(corpus.definition, fixture.patch), properties: corpus.properties };
  const [older, newer] = fixture.older === "stored" ? [stored, corpus] : [corpus, stored];
  return diffConnectors(older, newer);
}

type Row = [Change["class"], string, string | undefined];
const sorted = (rows: Row[]) => [...rows].sort((a, b) => a.join(" ").localeCompare(b.join(" ")));

/** The changes from the older version to the newer one, as [class, kind, operation], sorted. */
function historyChanges(name: string): Row[] {
  return sorted(historyDiff(name).map((c): Row => [c.class, c.kind, c.operation]));
}

describe.skipIf(!hasShared)("diff on real connector history (microsoft/PowerPlatformConnectors)", () => {
  it("tyntec-SMS: two operations moved to new paths, one of them to another verb, without a new revision, are breaking", () => {
    expect(historyChanges("tyntec-SMS")).toEqual(sorted([
      ["breaking", "method-changed", "incomingV3"],
      ["breaking", "path-changed", "SendSMSv3"],
      ["breaking", "path-changed", "incomingV3"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "output-added", "TestMyAPIConnection"],
      ["safe", "text-changed", "incomingV3"],
      ["safe", "text-changed", "incomingV3"],
      ["safe", "text-changed", "SendSMSv3"],
      ["safe", "text-changed", "TestMyAPIConnection"],
      ["warning", "response-removed", "TestMyAPIConnection"],
    ]));
  });

  it("HoneywellForge: a summary typo fixed and placeholder OAuth URLs replaced in the definition is a text change only", () => {
    expect(historyChanges("HoneywellForge")).toEqual(sorted([["safe", "text-changed", "ServiceCaseCreated"]]));
  });

  it("Desk365: renamed inputs and outputs and an output turned from boolean to string break AddNote; new webhook operations are safe", () => {
    const found = historyChanges("Desk365");
    expect(found).toEqual(sorted([
      ["breaking", "input-removed", "AddNote"],
      ["breaking", "input-removed", "AddNote"],
      ["breaking", "input-removed", "AddNote"],
      ["breaking", "output-removed", "AddNote"],
      ["breaking", "output-removed", "AddNote"],
      ["breaking", "output-removed", "AddNote"],
      ["breaking", "output-type-changed", "AddNote"],
      ["breaking", "required-input-added", "AddNote"],
      ...Array<Row>(2).fill(["safe", "optional-input-added", "AddNote"]),
      ...Array<Row>(7).fill(["safe", "output-added", "AddNote"]),
      ["safe", "operation-added", "AddNoteWebhook"],
      ["safe", "operation-added", "AddReplyWebhook"],
      ["safe", "operation-added", "CreateTicketWebhook"],
      ["safe", "operation-added", "DeleteWebhook"],
      ["safe", "operation-added", "UpdateTicketWebhook"],
      ["safe", "text-changed", "AddNote"],
    ]));
  });

  it("Desk365: names the renamed fields, the new required query parameter and the changed output type", () => {
    const messages = historyDiff("Desk365")
      .filter((c) => c.class === "breaking")
      .map((c) => c.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("The input field 'Ticket Number' has been deleted"),
        expect.stringContaining("The input field 'body/Agent Email' has been deleted"),
        expect.stringContaining("The required input field has been added. Existing flows will not send this new field. 'ticket_number'"),
        expect.stringContaining("The output field has been deleted. 'Notify Agent'"),
        expect.stringContaining("The type has been changed for the output field. Existing flows may be broken if they are using this field and actual payload has been changed. 'Private': \"boolean\" → \"string\""),
      ]),
    );
  });

  it("absentify: both webhook triggers renamed on the same path and verb are deleted operations, named as renames; the new host breaks", () => {
    const found = historyChanges("absentify");
    expect(found).toEqual(sorted([
      ["breaking", "host-changed", undefined],
      ["breaking", "operation-removed", "trigger_request_created"],
      ["breaking", "operation-removed", "trigger_request_status_changed"],
      ["safe", "operation-added", "TriggerRequestCreated"],
      ["safe", "operation-added", "TriggerRequestStatusChanged"],
    ]));
    const removed = historyDiff("absentify").find((c) => c.operation === "trigger_request_created");
    expect(removed?.message).toContain("The operation has been deleted. This change breaks existing flows. (renamed to 'TriggerRequestCreated'? flows bind to the operationId)");
    const host = historyDiff("absentify").find((c) => c.kind === "host-changed");
    expect(host?.message).toBe(`The host has been changed: "app.absentify.com" → "api.absentify.com". Existing flows' actions now call another server: TriggerRequestCreated, TriggerRequestStatusChanged`);
  });

  it("stops on a patch 'test' operation the corpus does not match, so a changed corpus fails loudly instead of diffing another file", () => {
    const corpus = readConnector(path.join(corpusDir, "certified-connectors__tyntec-SMS"));
    expect(() => applyPatch(corpus.definition, [{ op: "test", path: "/paths/~1conversations~1v3~1messages~1{messageId}~1status/get/operationId", value: "StatusCheck" }])).toThrow(
      /expected "StatusCheck", found "StatusCheckV3"/,
    );
  });
});
