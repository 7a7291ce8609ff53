/**
 * R4 (issue 9): `validate` passed a package whose definition refers to another file (the loader inlined the
 * file), and `invoke` then refused the package. The validator and the gateway now judge refs alike.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/gateway/errors.ts";
import { loadPackage } from "../../src/gateway/package.ts";
import { deref } from "../../src/gateway/refs.ts";
import { validateDirectory } from "../../src/validate/index.ts";
import { connector, type Docs } from "./fixtures.ts";

function packageFolder(docs: Docs, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "fno-package-refs-"));
  const files = { "apiDefinition.swagger.json": docs.definition, "apiProperties.json": docs.properties, ...extra };
  for (const [name, value] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(value, null, 2));
  return dir;
}

const responsePointer = "/paths/~1orders~1{orderId}/get/responses/200/schema";

/** What the gateway makes of the GetOrder response schema: the schema, or the package error it reports. */
function gatewaySchema(dir: string): unknown {
  const pkg = loadPackage(dir);
  const getOrder = (pkg.definition.paths as Docs["definition"])["/orders/{orderId}"].get;
  try {
    return deref(pkg.definition, getOrder.responses["200"].schema, responsePointer).node;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
}

describe("package refs: validate and the gateway agree", () => {
  it("reports a ref to another file in a package as an error at its line, though the file is there", () => {
    const docs = connector((d) => (d.definition.paths["/orders/{orderId}"].get.responses["200"].schema = { $ref: "./schemas.json#/Order" }));
    const dir = packageFolder(docs, { "schemas.json": { Order: docs.definition.definitions.Order } });
    const report = validateDirectory(dir);
    expect(report.layout).toBe("package");
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: "ref-local",
        severity: "error",
        pointer: `${responsePointer}/$ref`,
        file: path.join(dir, "apiDefinition.swagger.json"),
        line: expect.any(Number),
      }),
    ]);
    expect(gatewaySchema(dir)).toBeInstanceOf(GatewayError);
  });

  it("passes a percent-encoded local ref, which the gateway follows", () => {
    const docs = connector((d) => {
      d.definition.definitions["Order Line"] = d.definition.definitions.Order;
      d.definition.paths["/orders/{orderId}"].get.responses["200"].schema = { $ref: "#/definitions/Order%20Line" };
    });
    const dir = packageFolder(docs);
    expect(validateDirectory(dir).errorCount).toBe(0);
    expect(gatewaySchema(dir)).toEqual(docs.definition.definitions.Order);
  });
});
