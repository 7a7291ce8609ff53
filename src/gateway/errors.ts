import { errorCodes, ToolError, type ErrorCode } from "../errors/index.ts";
import type { ParsedErrorBody } from "../http/odata.ts";
import type { HeaderMap } from "../policies/message.ts";

/**
 * Why the gateway could not run an operation before or while sending it:
 * - `package`: apiDefinition.swagger.json or apiProperties.json is unreadable or malformed;
 * - `operation`: no operation has that operationId;
 * - `input`: a parameter or connection value is missing or has the wrong shape;
 * - `policy`: a policy instance cannot be evaluated with these inputs;
 * - `unsupported`: the platform may run it, this gateway does not (a template, an expression function, a script).
 */
export type GatewayErrorKind = "package" | "operation" | "input" | "policy" | "unsupported";

const gatewayErrorCodes: Readonly<Record<GatewayErrorKind, ErrorCode>> = {
  input: errorCodes.unreadable,
  operation: errorCodes.unreadable,
  package: errorCodes.invalid,
  policy: errorCodes.invalid,
  unsupported: errorCodes.unsupported,
};

export class GatewayError extends ToolError {
  readonly kind: GatewayErrorKind;
  readonly operationId: string | undefined;
  /**
   * `code` follows the kind: a missing or malformed operation input or operation name is the caller's
   * command line (unreadable, exit 2), a package that cannot be run is wrong input (exit 1), and what the
   * gateway does not implement is unsupported; a package that cannot be read at all passes unreadable.
   */
  constructor(kind: GatewayErrorKind, message: string, operationId?: string, code?: ErrorCode) {
    super(code ?? gatewayErrorCodes[kind], message);
    this.name = "GatewayError";
    this.kind = kind;
    this.operationId = operationId;
  }
}

/**
 * The backend answered, but not with a declared success:
 * - `status`: a non-2xx status (declared or not); `odata` holds the parsed error body when there is one;
 * - `undeclared-status`: a 2xx status the operation does not declare;
 * - `schema`: a declared 2xx whose body does not match the declared schema.
 */
export type ResponseErrorKind = "status" | "undeclared-status" | "schema";

export class ResponseError extends ToolError {
  readonly kind: ResponseErrorKind;
  readonly operationId: string;
  readonly status: number;
  readonly headers: HeaderMap;
  /** The parsed body (JSON value or text), undefined when empty. */
  readonly body: unknown;
  readonly odata: ParsedErrorBody | undefined;
  constructor(
    kind: ResponseErrorKind,
    message: string,
    details: { operationId: string; status: number; headers: HeaderMap; body: unknown; odata?: ParsedErrorBody },
  ) {
    super(errorCodes.remote, message);
    this.name = "ResponseError";
    this.kind = kind;
    this.operationId = details.operationId;
    this.status = details.status;
    this.headers = details.headers;
    this.body = details.body;
    this.odata = details.odata;
  }
}
