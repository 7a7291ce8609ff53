/**
 * The gateway on the 491 certified and independent-publisher connectors in ../shared/corpus: every
 * operation of every connector whose policies the gateway supports must give a well-formed request; every
 * other operation must either give one or be refused as unsupported. Nothing may crash.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildRequest, GatewayError, listOperations, loadPackage, type ConnectorPackage } from "../../src/gateway/index.ts";
import { findPolicyTemplate } from "../../src/policies/index.ts";
import { corpusDir, hasShared } from "../support/shared.ts";
import { synthesiseConnection, synthesiseParameters } from "./support/synthesise.ts";

/**
 * Operations of supported connectors that are wrong in the corpus itself, so the gateway must refuse
 * them with a policy or input error (and does, so this list cannot go stale unnoticed).
 */
const knownDefects: Readonly<Record<string, string>> = {
  // dynamichosturl reads @connectionParameters('jupyrestinstance'), but connectionParameters is empty.
  "certified-connectors__Jupyrest/*": "connection parameter 'jupyrestinstance' is not set",
  // dynamichosturl reads @headers('bloomflow_api_url'), which every operation but this one declares.
  "certified-connectors__Bloomflow/PublicAPI-createApplication": "header 'bloomflow_api_url' is not set",
  // The Content-Type and Accept parameters default to "application/json\r" and "*/*\r": no HTTP header can carry a CR.
  "certified-connectors__Viafirma/SendSignRequest": "header 'content-type' has a line break",
  "certified-connectors__Viafirma/CreateSignRequest": "header 'content-type' has a line break",
};

type Outcome = { built: true; url: string; method: string } | { built: false; error: unknown };

function attempt(pkg: ConnectorPackage, operationId: string, parameters: Record<string, unknown>, connection: Record<string, string>): Outcome {
  try {
    const request = buildRequest(pkg, operationId, { parameters, connection });
    return { built: true, url: request.url, method: request.method };
  } catch (error) {
    return { built: false, error };
  }
}

function policyCount(pkg: ConnectorPackage): number {
  const inner = (pkg.properties["properties"] ?? {}) as { policyTemplateInstances?: unknown[] };
  return inner.policyTemplateInstances?.length ?? 0;
}

function usesOnlySupported(pkg: ConnectorPackage): boolean {
  const inner = (pkg.properties["properties"] ?? {}) as { policyTemplateInstances?: { templateId?: unknown }[]; scriptOperations?: unknown };
  if (inner.scriptOperations !== undefined) return false;
  return (inner.policyTemplateInstances ?? []).every((instance) => typeof instance.templateId === "string" && findPolicyTemplate(instance.templateId));
}

describe.skipIf(!hasShared)("gateway on the connector corpus", () => {
  it("builds every operation of supported connectors and refuses only unsupported ones elsewhere", () => {
    const counts = { connectors: 0, unreadable: 0, supported: 0, supportedOperations: 0, withPolicies: 0, withPoliciesOperations: 0, other: 0, otherBuilt: 0, otherRefused: 0, knownDefects: 0 };
    const unexpected: string[] = [];
    const badRequests: string[] = [];

    for (const dir of readdirSync(corpusDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)) {
      counts.connectors += 1;
      let pkg: ConnectorPackage;
      try {
        pkg = loadPackage(path.join(corpusDir, dir));
      } catch (error) {
        // A few corpus files are not strict JSON (trailing commas); they must be reported, not crash.
        if (!(error instanceof GatewayError && error.kind === "package")) unexpected.push(`${dir}: ${String(error)}`);
        counts.unreadable += 1;
        continue;
      }
      const supported = usesOnlySupported(pkg);
      counts[supported ? "supported" : "other"] += 1;
      const hasPolicies = supported && policyCount(pkg) > 0;
      if (hasPolicies) counts.withPolicies += 1;
      const connection = synthesiseConnection(pkg);
      for (const operation of listOperations(pkg)) {
        const outcome = attempt(pkg, operation.id, synthesiseParameters(pkg, operation), connection);
        const where = `${dir}/${operation.id}`;
        if (outcome.built) {
          if (!/^https?:$/.test(new URL(outcome.url).protocol) || !/^[A-Z]+$/.test(outcome.method)) badRequests.push(`${where}: ${outcome.method} ${outcome.url}`);
          counts[supported ? "supportedOperations" : "otherBuilt"] += 1;
          if (hasPolicies) counts.withPoliciesOperations += 1;
          continue;
        }
        const { error } = outcome;
        const defect = knownDefects[where] ?? knownDefects[`${dir}/*`];
        if (supported && defect && error instanceof GatewayError && (error.kind === "policy" || error.kind === "input") && error.message.includes(defect)) {
          counts.knownDefects += 1;
        } else if (!supported && error instanceof GatewayError && error.kind === "unsupported") {
          counts.otherRefused += 1;
        } else {
          unexpected.push(`${where}: ${error instanceof GatewayError ? `[${error.kind}] ${error.message}` : String(error)}`);
        }
      }
    }

    console.info(
      `gateway corpus: ${counts.connectors} connectors (${counts.unreadable} not valid JSON); ` +
        `${counts.supported} use only supported templates and no script: ${counts.supportedOperations} operations built ` +
        `(${counts.withPolicies} connectors with policy templates: ${counts.withPoliciesOperations} operations), ${counts.knownDefects} refused for known defects; ` +
        `${counts.other} use other templates or a script: ${counts.otherBuilt} operations built, ${counts.otherRefused} refused as unsupported`,
    );
    expect(unexpected).toEqual([]);
    expect(badRequests).toEqual([]);
    expect(counts.knownDefects).toBeGreaterThanOrEqual(Object.keys(knownDefects).length);
    // The corpus is fixed (commit 8bff86ea); these floors catch a gateway that quietly stops building.
    expect(counts.supported).toBeGreaterThan(400);
    expect(counts.withPolicies).toBeGreaterThan(90);
    expect(counts.otherRefused).toBeGreaterThan(0);
  });
});
