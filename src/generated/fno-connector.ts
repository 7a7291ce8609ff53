/**
 * Generated from connector/ by `npm run types` (openapi-typescript on an OpenAPI 3 copy of dist/connector).
 * Do not make direct changes to the file.
 */

export type paths = {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download an exported package
         * @description Downloads a package that Dequeue announced, from the connection's own environment. Pass the path and query of Dequeue's Download location without the leading slash: substring(uriPathAndQuery(Download location), 1). The host always comes from the connection.
         */
        get: operations["Download"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/connector/ack/{activityId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Acknowledge a dequeued package
         * @description Tells the environment that a dequeued package was stored safely, so that it is not offered again. Send the fields returned by Dequeue unchanged.
         */
        post: operations["Acknowledge"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/connector/dequeue/{activityId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Dequeue the next exported package
         * @description Takes the next message from the export queue of a recurring data job. The message stays hidden for 30 minutes and comes back unless it is acknowledged. Returns no content when the queue is empty.
         */
        get: operations["Dequeue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/connector/enqueue/{activityId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Enqueue a file or data package for import
         * @description Uploads a file or data package to the import queue of a recurring data job. The job processes it later in a batch; use Get message status with the returned message ID to follow it.
         */
        post: operations["Enqueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.ExportToPackage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Export a data package
         * @description Starts a new run of an export data project and answers its execution ID. Follow it with Get the summary status of an execution until the status is final, then get the package's address with Get the download URL of an exported package. With change tracking on, only what changed since the last run is exported. F&O does not check the data project's name here: with a wrong name it still answers an execution ID, and the status then fails with Execution details were not found.
         */
        post: operations["ExportToPackage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GenerateImportTargetErrorKeysFile": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Generate the error keys file of an import
         * @description Starts writing a file with the keys of the records of one entity that failed between staging and target, and answers whether there are any. When it answers true, repeat Get the URL of the error keys file of an import until the URL is not empty.
         */
        post: operations["GenerateImportTargetErrorKeysFile"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetAzureWriteUrl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get a write URL for a package upload
         * @description Returns a short-lived blob address with a shared access signature, to upload a data package for Import a data package. The answer is a JSON text, so read the address with json(body('Get_a_write_URL_for_a_package_upload')?['value'])?['BlobUrl'] (your step's name in place of Get_a_write_URL_for_a_package_upload). Upload with a plain HTTP action (PUT, header x-ms-blob-type BlockBlob, no authentication), never with this connector, so that the connection's token stays with the environment.
         */
        post: operations["GetAzureWriteUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionErrors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the errors of an execution
         * @description Returns the error messages of a data management execution as a JSON text. Use it after Get execution ID for a message to see why an import failed.
         */
        post: operations["GetExecutionErrors"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionIdByMessageId": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the execution ID of an enqueued message
         * @description Returns the data management execution ID that processes an enqueued message. It is the empty GUID until the batch job has picked the message up.
         */
        post: operations["GetExecutionIdByMessageId"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionSummaryPageUrl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the link to the execution summary page
         * @description Returns the address of the F&O page that shows an execution's summary, its staging data and its errors, to put in a notification for the person who fixes a failed import or export.
         */
        post: operations["GetExecutionSummaryPageUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExecutionSummaryStatus": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the summary status of an execution
         * @description Returns the overall result of a data management execution, such as Succeeded or Failed.
         */
        post: operations["GetExecutionSummaryStatus"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetExportedPackageUrl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the download URL of an exported package
         * @description Returns the short-lived blob address of the package an export produced, once its status is Succeeded or PartiallySucceeded. Download it with a plain HTTP action (GET, no authentication), never with this connector, so that the connection's token stays with the environment. F&O keeps exported packages for 7 days.
         */
        post: operations["GetExportedPackageUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetImportStagingErrorFileUrl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the URL of the staging error file of an import
         * @description Returns the blob address of the file with the source records of one entity that failed to load into staging, or an empty text when there is none. Download the file with a plain HTTP action (GET, no authentication).
         */
        post: operations["GetImportStagingErrorFileUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetImportTargetErrorKeysFileUrl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the URL of the error keys file of an import
         * @description Returns the blob address of the error keys file that Generate the error keys file of an import started. It is empty while the file is being written, and always empty when there were no errors: call it in a Do until loop with a delay. Download the file with a plain HTTP action (GET, no authentication).
         */
        post: operations["GetImportTargetErrorKeysFileUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetMessageStatus": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the status of an enqueued message
         * @description Returns where an enqueued import message is in its processing, from Enqueued to Processed.
         */
        post: operations["GetMessageStatus"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.ImportFromPackage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import a data package
         * @description Starts importing a data package that was uploaded to the write URL from Get a write URL for a package upload, into an import data project. F&O runs the import in a batch and answers its execution ID at once: follow it with Get the summary status of an execution. Do not run two imports in parallel (turn concurrency off in loops); F&O refuses them.
         */
        post: operations["ImportFromPackage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
};
export type webhooks = Record<string, never>;
export type components = {
    schemas: {
        /** @description A message taken from the export queue of a recurring data job. */
        DequeueMessage: {
            /** @description Identifies the exported message. */
            CorrelationId: string;
            /** @description The address of the package; pass it to Download. */
            DownloadLocation?: string | null;
            /** @description Why the package is missing, when Package exists is false. */
            FileDownLoadErrorMessage?: string | null;
            /** @description False when the environment could not produce the package for this message. */
            IsDownLoadFileExist?: boolean;
            /**
             * Format: date-time
             * @description Empty the first time the message is dequeued; the previous dequeue time when it is offered again.
             */
            LastDequeueDateTime?: string | null;
            /** @description Proof of this dequeue, needed to acknowledge the message. */
            PopReceipt: string;
        };
        /** @description No content. */
        Empty: Record<string, never>;
        /** @description The result of GetImportTargetErrorKeysFileUrl or GetImportStagingErrorFileUrl. */
        ErrorFileUrl: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description The short-lived blob address of the error file, or an empty text when there is no file (yet). Download it with a plain HTTP action without authentication. */
            value?: string;
        };
        /** @description The result of GenerateImportTargetErrorKeysFile. */
        ErrorsExist: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description True when records of the entity failed between staging and target, so an error keys file is being written. */
            value?: boolean;
        };
        /** @description The result of ImportFromPackage or ExportToPackage. */
        ExecutionIdValue: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description The ID of the execution that was started (the job ID in F&O), for Get the summary status of an execution. */
            value?: string;
        };
        /** @description The result of GetExecutionSummaryPageUrl. */
        ExecutionSummaryPageUrl: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description The address of the execution summary page in F&O, for people who sign in to the environment. */
            value?: string;
        };
        /** @description The overall result of a data management execution. */
        ExecutionSummaryStatus: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description One of Unknown, NotRun, Executing, Succeeded, PartiallySucceeded, Failed, Canceled. */
            value?: string;
        };
        /** @description The ID of the enqueued message, for Get message status. */
        MessageId: string;
        /** @description The processing status of an enqueued message. */
        MessageStatus: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description One of Enqueued, Dequeued, Acked, Preprocessing, Processing, Processed, PreProcessingError, ProcessedWithErrors, PostProcessingFailed (also seen as PostProcessingError). */
            value?: string;
        };
        /** @description The OData error body. F&O often leaves code empty and message generic; the useful text is in the inner error message. */
        ODataError: {
            /** @description The error. */
            error?: {
                /** @description The error code, often empty. */
                code?: string;
                /** @description Details from the environment. */
                innererror?: {
                    /** @description The Infolog text that explains the error. */
                    message?: string;
                    /** @description The .NET type of the error. */
                    type?: string;
                };
                /** @description The error message. */
                message?: string;
            };
        };
        /** @description An OData action result holding one text value. */
        ODataStringValue: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description The result of the action. */
            value?: string;
        };
        /** @description The result of GetExportedPackageUrl. */
        PackageDownloadUrl: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description The short-lived blob address of the exported package, with its shared access signature. Download it with a plain HTTP action without authentication. */
            value?: string;
        };
        /** @description The result of GetAzureWriteUrl. */
        PackageWriteUrl: {
            /** @description The OData metadata address of the result. */
            "@odata.context"?: string;
            /** @description A JSON text {"BlobId": …, "BlobUrl": …}, not an object: F&O returns it as one string, and a connector without custom code cannot parse it again. Read the address with json(body('Get_a_write_URL_for_a_package_upload')?['value'])?['BlobUrl']. */
            value?: string;
        };
    };
    responses: {
        /** @description The request was not valid; the error text says which value is wrong. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
        /** @description The environment failed or refused the data project run; the error text says why, for example that the data project does not exist. */
        DataProjectError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
        /** @description The app is not registered under Microsoft Entra applications in the environment, or not enabled on the data job's authorization policy. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
        /** @description The activity ID, entity or package does not exist. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
        /** @description The environment failed; an invalid activity ID also gives this status. */
        ServerError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
        /** @description The environment is throttling requests; retry after the number of seconds in Retry-After. */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
        /** @description The token is missing, expired or for another environment. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ODataError"];
            };
        };
    };
    parameters: {
        /** @description The ID of the recurring data job, from the ID field on the Manage scheduled data jobs page, with or without braces. */
        activityId: string;
    };
    requestBodies: {
        /** @description The import execution and the entity whose errors to look up. */
        GenerateImportTargetErrorKeysFileRequest: {
            content: {
                "application/json": {
                    /** @description The entity name as the data project lists it, for example Customers V3. */
                    entityName: string;
                    /** @description The execution ID that Import a data package answered (the job ID in F&O). */
                    executionId: string;
                };
            };
        };
        /** @description The execution to look up. */
        GetExecutionSummaryStatusRequest: {
            content: {
                "application/json": {
                    /** @description The data management execution ID, for example from Get execution ID for a message. */
                    executionId: string;
                };
            };
        };
    };
    headers: never;
    pathItems: never;
};
export type $defs = Record<string, never>;
export interface operations {
    Download: {
        parameters: {
            query?: never;
            header: {
                /** @description The path and query of Dequeue's Download location, without the leading slash, for example api/connector/download/%7B…%7D?correlation-id=…&blob=… */
                downloadPath: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The package content, usually a zip file. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": Blob;
                    "application/zip": Blob;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["ServerError"];
        };
    };
    Acknowledge: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The ID of the recurring data job, from the ID field on the Manage scheduled data jobs page, with or without braces. */
                activityId: components["parameters"]["activityId"];
            };
            cookie?: never;
        };
        /** @description The message returned by Dequeue. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["DequeueMessage"];
            };
        };
        responses: {
            /** @description The message was acknowledged. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Empty"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            500: components["responses"]["ServerError"];
        };
    };
    Dequeue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The ID of the recurring data job, from the ID field on the Manage scheduled data jobs page, with or without braces. */
                activityId: components["parameters"]["activityId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The next message in the export queue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DequeueMessage"];
                };
            };
            /** @description The export queue is empty. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    Enqueue: {
        parameters: {
            query?: {
                /** @description The legal entity (DataAreaId) the data is imported into, for example USMF. */
                company?: string;
                /** @description The entity name as shown in the data project, for jobs that import single files. Leave it empty for data package jobs. */
                entity?: string;
            };
            header?: {
                /** @description Your own correlation value for this message, for example the file name. */
                "x-ms-dyn-externalidentifier"?: string;
            };
            path: {
                /** @description The ID of the recurring data job, from the ID field on the Manage scheduled data jobs page, with or without braces. */
                activityId: components["parameters"]["activityId"];
            };
            cookie?: never;
        };
        /** @description The file or data package to import. */
        requestBody: {
            content: {
                "application/octet-stream": Blob;
            };
        };
        responses: {
            /** @description The message was accepted into the queue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessageId"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The file is larger than the environment accepts; split it or use the data management package API. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ODataError"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    ExportToPackage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The data project to run. */
        requestBody: {
            content: {
                "application/json": {
                    /** @description The Name of the export data project in Data management (not its definition group field), which must already exist. */
                    definitionGroupId: string;
                    /**
                     * @description Empty, so that F&O creates a new execution (job ID) for each export.
                     * @default
                     */
                    executionId: string;
                    /** @description The legal entity (DataAreaId) to export from, for example USMF. */
                    legalEntityId: string;
                    /** @description The file name of the exported package, for example Customers.zip. */
                    packageName: string;
                    /**
                     * @description False, because each call starts a new execution rather than rerunning an earlier one.
                     * @default false
                     */
                    reExecute: boolean;
                };
            };
        };
        responses: {
            /** @description The execution ID of the export. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionIdValue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["DataProjectError"];
        };
    };
    GenerateImportTargetErrorKeysFile: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GenerateImportTargetErrorKeysFileRequest"];
        responses: {
            /** @description Whether the entity has records that failed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorsExist"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetAzureWriteUrl: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The name of the blob to create. */
        requestBody: {
            content: {
                "application/json": {
                    /** @description A name no other upload uses, for example the package name followed by a GUID (guid() in an expression). */
                    uniqueFileName: string;
                };
            };
        };
        responses: {
            /** @description The blob ID and the write address, as a JSON text. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PackageWriteUrl"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetExecutionErrors: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GetExecutionSummaryStatusRequest"];
        responses: {
            /** @description The execution errors. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ODataStringValue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetExecutionIdByMessageId: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The message to look up. */
        requestBody: {
            content: {
                "application/json": {
                    /** @description The message ID returned by Enqueue. */
                    _messageId: string;
                };
            };
        };
        responses: {
            /** @description The execution ID. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ODataStringValue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetExecutionSummaryPageUrl: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GetExecutionSummaryStatusRequest"];
        responses: {
            /** @description The address of the execution summary page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionSummaryPageUrl"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetExecutionSummaryStatus: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GetExecutionSummaryStatusRequest"];
        responses: {
            /** @description The execution summary status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionSummaryStatus"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetExportedPackageUrl: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GetExecutionSummaryStatusRequest"];
        responses: {
            /** @description The download address of the package. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PackageDownloadUrl"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetImportStagingErrorFileUrl: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GenerateImportTargetErrorKeysFileRequest"];
        responses: {
            /** @description The staging error file's address, or an empty text. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorFileUrl"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetImportTargetErrorKeysFileUrl: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["GenerateImportTargetErrorKeysFileRequest"];
        responses: {
            /** @description The error keys file's address, or an empty text. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorFileUrl"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    GetMessageStatus: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The message to look up. */
        requestBody: {
            content: {
                "application/json": {
                    /** @description The message ID returned by Enqueue. */
                    messageId: string;
                };
            };
        };
        responses: {
            /** @description The message status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessageStatus"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["ServerError"];
        };
    };
    ImportFromPackage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The package and the data project to import it with. */
        requestBody: {
            content: {
                "application/json": {
                    /** @description The Name of the import data project in Data management (not its definition group field), which must already exist. */
                    definitionGroupId: string;
                    /**
                     * @description Yes runs the staging-to-target step too; No stops after loading the staging tables.
                     * @default true
                     */
                    execute: boolean;
                    /**
                     * @description Empty, so that F&O creates a new execution (job ID) for each import.
                     * @default
                     */
                    executionId: string;
                    /** @description The legal entity (DataAreaId) the data is imported into, for example USMF. */
                    legalEntityId: string;
                    /**
                     * @description Must be No when the package holds a composite entity (one per package at most); otherwise Yes.
                     * @default true
                     */
                    overwrite: boolean;
                    /** @description The BlobUrl the package was uploaded to: json(body('Get_a_write_URL_for_a_package_upload')?['value'])?['BlobUrl']. */
                    packageUrl: string;
                };
            };
        };
        responses: {
            /** @description The execution ID of the import. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionIdValue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["DataProjectError"];
        };
    };
}
