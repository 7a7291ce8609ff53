import { placeholderClientId, placeholderResourceUri, type BuildConfig } from "../compile/config.ts";
import { connectorApiName } from "./names.ts";
import { solutionZipName } from "./pack.ts";
import { importFlow } from "./import-flow.ts";
import { sampleFlowConnectionReferences, sampleFlowEnvironmentVariables } from "./sample-flow.ts";
import type { SolutionManifest } from "./source.ts";

export interface SetupValues {
  config: BuildConfig;
  manifest: SolutionManifest;
  /** The connector's display name (`info.title`). */
  connectorTitle: string;
  /** Where the built zips are, relative to the current folder (normally dist/solution). */
  solutionDir: string;
}

/**
 * The admin's sign-in and import checklist, with this build's values filled in. Names of pages, menus and
 * permissions follow Microsoft Learn as of 2026 (sources in docs/platform-assumptions.md, "Sign-in");
 * the steps are ordered so that each one has what it needs: the secret and the redirect URI can only be
 * set once the connector solution is imported, and the flows solution's import needs a working connection.
 */
export function setupGuide(values: SetupValues): string {
  const { config, manifest, connectorTitle, solutionDir } = values;
  const clientId = config.clientId === placeholderClientId ? undefined : config.clientId;
  const resource = config.resourceUri === placeholderResourceUri ? undefined : config.resourceUri;
  const zip = (part: "connector" | "flows") => `${solutionDir}/${solutionZipName(manifest, { part, packageType: "managed" })}`;
  const variables = sampleFlowEnvironmentVariables(manifest);
  const references = sampleFlowConnectionReferences(manifest);
  const redirectStem = connectorApiName(manifest.publisher.prefix, connectorTitle).replace(/^shared_/, "");
  const lines = [
    `Sign-in and import checklist for the ${connectorTitle} connector`,
    "",
    "Values of this build",
    `  Application (client) ID   ${clientId ?? "not set: set FNO_CONNECTOR_CLIENT_ID (step 1) and build again"}`,
    `  Default environment URL   ${resource ?? "not set: set FNO_CONNECTOR_RESOURCE_URI (step 1) and build again"}`,
    `  Connector solution        ${zip("connector")}  (unmanaged: without _managed)`,
    `  Flows solution            ${zip("flows")}`,
    "",
    "1. Microsoft Entra ID: the app registration (once per tenant)",
    "   - Microsoft Entra admin center > Identity > Applications > App registrations > New registration. Give it a name,",
    '     choose "Accounts in this organizational directory only" (F&O no longer accepts multitenant apps without a service',
    "     principal in the tenant), Register.",
    "   - Copy the Application (client) ID from Overview, then build with it and your usual environment URL:",
    `       FNO_CONNECTOR_CLIENT_ID=${clientId ?? "<application ID>"} FNO_CONNECTOR_RESOURCE_URI=${resource ?? "https://<environment>.operations.dynamics.com"} npm run build`,
    "     (or put both in an untracked connector.local.json).",
    "   - Certificates & secrets > Client secrets > New client secret. Copy its value at once (it is shown only once); it is",
    "     entered in step 3 and for service principal connections, never stored in this repository or in the solution.",
    '   - API permissions > Add a permission > APIs my organization uses > "Microsoft Dynamics ERP" (search the full name) >',
    "     Delegated permissions: Access Dynamics AX Custom Service, Access Dynamics AX data, Access Dynamics AX online as",
    "     organization users > Add permissions.",
    "",
    "2. Finance and Operations (each F&O environment)",
    "   - For service principal connections: System administration > Setup > Microsoft Entra applications > New:",
    `     Client Id ${clientId ?? "<application ID>"}, a Name, and a User ID: a dedicated service account with the roles the data jobs need`,
    "     (the app acts as that user). Save.",
    "   - Each recurring data job (Data management > Create recurring data job, or System administration > Data Management IT >",
    "     Recurring data job > Manage scheduled data jobs): on Set up authorization policy enter the application ID and mark",
    "     it Enabled. The job's ID is the activity ID the flows and commands ask for.",
    "",
    "3. The connector solution (each Power Platform environment)",
    `   - Import ${zip("connector")} first:  npm run cli -- deploy --environment https://<org>.crm.dynamics.com --managed --only connector`,
    "     or make.powerapps.com > Solutions > Import solution > Browse > Next > Import.",
    ...connectorSteps(connectorTitle, redirectStem),
    "",
    "4. Connections",
    ...connectionSteps(connectorTitle),
    "",
    "5. The flows solution",
    `   - Import ${zip("flows")} after the connector solution:`,
    "       npm run cli -- deploy --environment https://<org>.crm.dynamics.com --managed --only flows [--settings-file settings.json]",
    "     or Solutions > Import solution. The import asks for the connections of its connection references",
    `     (${references.connector}: ${connectorTitle}; ${references.outlook}: Office 365 Outlook) and for the environment variables`,
    `     ${variables.activityId.schemaName} (${variables.activityId.displayName}) and ${variables.recipients.schemaName} (${variables.recipients.displayName}).`,
    "   - Turn the sample flows on once their connections are set, if the import left them off. The import flow",
    `     ("${importFlow.displayName}") is run by hand with a data package; its upload uses the built-in HTTP action`,
    "     (a premium action), with no authentication: the write URL carries its own signature.",
  ];
  return lines.join("\n") + "\n";
}

/**
 * What an import cannot do and a person must, after `deploy` imported both solutions: the same steps as the
 * full guide's, plus which connection references are still without a connection.
 */
export function afterImportChecklist(values: Pick<SetupValues, "manifest" | "connectorTitle">, unconnected: readonly string[], shared: boolean): string {
  const { manifest, connectorTitle } = values;
  const redirectStem = connectorApiName(manifest.publisher.prefix, connectorTitle).replace(/^shared_/, "");
  const lines = [
    "Still to do by hand",
    ...connectorSteps(connectorTitle, redirectStem).filter((line) => !(shared && line.includes("Share the connector"))),
    ...connectionSteps(connectorTitle),
    unconnected.length === 0
      ? "   - Every connection reference has a connection; turn the sample flows on if the import left them off."
      : `   - Connection references without a connection: ${unconnected.join(", ")}. Solutions > the flows solution > Connection references >` +
        " each one > choose its connection > Save, then turn the sample flows on.",
  ];
  return lines.join("\n") + "\n";
}

/** Step 3's part after the connector solution is imported: the secret, the redirect URI and sharing. */
function connectorSteps(connectorTitle: string, redirectStem: string): string[] {
  return [
    `   - Enter the client secret: Solutions > the connector solution > ${connectorTitle} > Edit > Security > Client secret >`,
    "     Update connector. Microsoft documents that credentials must be entered again after an import.",
    "   - On the same Security page, copy the Redirect URL. Each connector in each environment has its own",
    `     (https://global.consent.azure-apim.net/redirect/${redirectStem}-5f<environment suffix>). In Microsoft Entra:`,
    "     App registrations > the app > Authentication > Add a platform > Web (or Add URI) > paste it > Configure/Save.",
    "   - Share the connector with the makers who use it: solution custom connectors are created without role assignments.",
  ];
}

/** Step 4: the connections each environment needs. */
function connectionSteps(connectorTitle: string): string[] {
  return [
    `   - Create a connection to ${connectorTitle}: Environment URL = the F&O environment (https://<environment>.operations.dynamics.com,`,
    "     no trailing slash). Sign in as a user who may run the data jobs, or choose a service principal connection and enter",
    "     the Client ID, Client secret and Tenant of the app from steps 1 and 2.",
    "   - Create an Office 365 Outlook connection for the export sample flow's email.",
  ];
}
