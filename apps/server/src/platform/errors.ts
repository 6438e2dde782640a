/** The kinds of failure the API knows, each with its HTTP status. */
export const ERROR_STATUS = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;

/** The one error type of Rapport: a kind (→ HTTP status), a module-specific reason and a safe message. */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.kind];
  }
}

export type ErrorBody = {
  error: { kind: ErrorKind; reason: string; message: string; details?: unknown; requestId: string };
};

/** Builds the wire shape of an error; unknown errors become a generic internal error, never echoed. */
export function toErrorBody(err: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: {
        error: { kind: err.kind, reason: err.reason, message: err.message, details: err.details, requestId },
      },
    };
  }
  return {
    status: 500,
    body: {
      error: {
        kind: "internal",
        reason: "internal_error",
        message: `Something went wrong on our side. Quote request id ${requestId} when reporting it.`,
        requestId,
      },
    },
  };
}
