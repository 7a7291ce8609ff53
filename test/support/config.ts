import type { BuildConfig } from "../../src/compile/config.ts";

/** A configured build, as an admin's would be: fixed test values for the app's client ID and the default environment. */
export const testConfig: BuildConfig = {
  clientId: "11111111-2222-3333-4444-555555555555",
  resourceUri: "https://contoso.operations.dynamics.com",
  sources: { clientId: "environment", resourceUri: "environment" },
};
