// The one way a loader or action gives up with an HTTP error: `throw httpError(context, 404, "…")`.
// Every thrown error carries the same payload, { message, requestId }, which the root error boundary
// (app/root.tsx) renders in the app's layout: a heading for the status, the message, the request id.
// Errors a user can fix on the page itself are not thrown: the action returns them with the form.
import { data, type RouterContextProvider } from "react-router";
import { requestInfo } from "./request-info.ts";

export interface HttpErrorData {
  /** Shown to the user as it is: say what happened and what to do, never internals. */
  message: string;
  requestId: string;
}

export function httpError(
  context: Readonly<RouterContextProvider>,
  status: number,
  message: string,
  init: { headers?: HeadersInit } = {},
): never {
  throw data<HttpErrorData>({ message, requestId: context.get(requestInfo).requestId }, { status, ...init });
}

/** Narrows what an error boundary received to the payload above (anything else shows the defaults). */
export function isHttpErrorData(value: unknown): value is HttpErrorData {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as HttpErrorData).message === "string" &&
    typeof (value as HttpErrorData).requestId === "string"
  );
}

export const NOT_FOUND_MESSAGE = "The address may be mistyped, or the page has moved.";
