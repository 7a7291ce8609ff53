import { describe, expect, it } from "vitest";
import { findPolicyTemplate, supportedTemplateIds } from "../../src/policies/index.ts";

describe("policy template registry", () => {
  it("has the five templates of issue 3", () => {
    expect([...supportedTemplateIds].sort()).toEqual(["dynamichosturl", "routerequesttoendpoint", "setheader", "setproperty", "setqueryparameter"]);
  });

  it("finds templates whatever the case of the id", () => {
    expect(findPolicyTemplate("SetHeader")?.id).toBe("setheader");
    expect(findPolicyTemplate("DynamicHostUrl")?.id).toBe("dynamichosturl");
  });

  it("has no entry for templates the gateway does not run", () => {
    expect(findPolicyTemplate("pollingtrigger")).toBeUndefined();
    expect(findPolicyTemplate("dynamicsubdomain")).toBeUndefined();
  });
});
