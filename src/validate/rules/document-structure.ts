import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { entriesOf, isHttpMethod, isObject } from "../../connector/index.ts";
import type { Rule, Violation } from "../rule.ts";

function jsonType(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function wrongType(pointer: string, expected: string, value: unknown): Violation {
  return {
    message: `${pointer === "" ? "the document" : `'${pointer}'`} must be ${expected === "array" ? "an array" : "an object"}, but it is ${jsonType(value) === "array" ? "an array" : `of type ${jsonType(value)}`}`,
    pointer,
    document: "apiDefinition",
  };
}

/**
 * The skeleton the platform reads before anything else: Swagger 2.0, and the objects and lists every operation
 * hangs from. Only the shape is judged here; everything else the official schema asks is swagger-schema's warning.
 */
export const documentStructure: Rule = {
  id: "document-structure",
  severity: "error",
  doc: "The definition is a Swagger 2.0 document (swagger: '2.0') whose info, paths, path items, operations, parameter lists and responses have the right JSON types.",
  why: "Power Platform takes only OpenAPI 2.0, and cannot read operations out of a skeleton of the wrong types.",
  evidence: [
    { says: "OpenAPI definitions in OpenAPI 3.0 format are not supported; only 2.0.", url: sources.defineOpenApi },
    { says: "JsonTypeIncorrect: \"The type of the property is incorrect. Expected type '{0}', but value is of type '{1}'.\"", url: sources.validatorRules },
  ],
  example: { fail: "openapi: 3.0.1\ninfo: {title: Contoso, version: '1'}\npaths: {}", pass: "swagger: '2.0'\ninfo: {title: Contoso, version: '1'}\npaths: {}" },
  *check({ definition }) {
    if (!isObject(definition)) {
      yield wrongType("", "object", definition);
      return;
    }
    if (definition.swagger !== "2.0") {
      yield {
        message: `'swagger' is ${JSON.stringify(definition.swagger)}; Power Platform takes only Swagger 2.0 ("2.0")`,
        pointer: "swagger" in definition ? "/swagger" : "",
        document: "apiDefinition",
      };
    }
    if (!isObject(definition.info)) yield wrongType("/info", "object", definition.info);
    if (!isObject(definition.paths)) {
      yield wrongType("/paths", "object", definition.paths);
      return;
    }
    for (const [path, pathItem] of entriesOf(definition.paths)) {
      const itemPointer = joinPointer("/paths", path);
      if (!isObject(pathItem)) {
        yield wrongType(itemPointer, "object", pathItem);
        continue;
      }
      const lists = [{ pointer: joinPointer(itemPointer, "parameters"), value: pathItem.parameters }];
      for (const [method, operation] of Object.entries(pathItem)) {
        if (!isHttpMethod(method)) continue;
        const opPointer = joinPointer(itemPointer, method);
        if (!isObject(operation)) {
          yield wrongType(opPointer, "object", operation);
          continue;
        }
        lists.push({ pointer: joinPointer(opPointer, "parameters"), value: operation.parameters });
        if (operation.responses !== undefined && !isObject(operation.responses)) {
          yield wrongType(joinPointer(opPointer, "responses"), "object", operation.responses);
        }
      }
      for (const { pointer, value } of lists) {
        if (value === undefined) continue;
        if (!Array.isArray(value)) {
          yield wrongType(pointer, "array", value);
          continue;
        }
        for (const [i, parameter] of value.entries()) {
          if (!isObject(parameter)) yield wrongType(joinPointer(pointer, i), "object", parameter);
        }
      }
    }
  },
};
