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
}
