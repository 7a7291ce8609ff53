import { describe, expect, it, vi } from "vitest";
import { placeholderConfig } from "../../src/compile/config.ts";
import { runCli } from "../../src/cli/program.ts";
import { setupGuide } from "../../src/solution/setup-guide.ts";
import { testConfig } from "../support/config.ts";
import { solutionSource } from "./support.ts";

const manifest = solutionSource().manifest;
const guide = (config = testConfig) => setupGuide({ config, manifest, connectorTitle: "F&O Recurring Integrations", solutionDir: "dist/solution" });

describe("setup", () => {
  it("fills in this build's values: client ID, environment, both zips in import order, connection references and variables", () => {
    const text = guide();
    expect(text).toContain(`Application (client) ID   ${testConfig.clientId}`);
    expect(text).toContain(`FNO_CONNECTOR_RESOURCE_URI=${testConfig.resourceUri}`);
    expect(text).toContain(`Client Id ${testConfig.clientId}`);
    const connectorZip = "dist/solution/FnoRecurringIntegrations_1_0_0_0_managed.zip";
    const flowsZip = "dist/solution/FnoRecurringIntegrationsFlows_1_0_0_0_managed.zip";
    expect(text.indexOf(`Import ${connectorZip} first`)).toBeGreaterThan(0);
    expect(text.indexOf(`Import ${flowsZip} after`)).toBeGreaterThan(text.indexOf(`Import ${connectorZip} first`));
    for (const name of ["fnori_FnoRecurringIntegrations", "fnori_FnoSampleFlowOffice365Outlook", "fnori_FnoActivityId", "fnori_FnoPackageRecipients"]) {
      expect(text).toContain(name);
    }
  });

  it("names each platform step: permissions, F&O's Entra applications page, the secret, the per-connector redirect URL", () => {
    const text = guide();
    for (const step of [
      "Microsoft Dynamics ERP",
      "Access Dynamics AX data",
      "System administration > Setup > Microsoft Entra applications",
      "Set up authorization policy",
      "Client secret",
      "Redirect URL",
      "https://global.consent.azure-apim.net/redirect/fnori-5ff-26o-20recurring-20integrations-5f",
    ]) {
      expect(text).toContain(step);
    }
  });

  it("says which values are not set yet instead of printing placeholders", () => {
    const text = guide(placeholderConfig);
    expect(text).toContain("not set: set FNO_CONNECTOR_CLIENT_ID");
    expect(text).toContain("not set: set FNO_CONNECTOR_RESOURCE_URI");
    expect(text).not.toContain(placeholderConfig.clientId);
    expect(text).not.toContain(placeholderConfig.resourceUri);
  });

  it("runs as a command", async () => {
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await runCli(["setup"])).toBe(0);
      expect(stdout.mock.calls.join("")).toContain("Sign-in and import checklist");
    } finally {
      stdout.mockRestore();
    }
  });
});
