// The page a refused provider callback shows (status 400): what happened and where to go next.
import { Link } from "react-router";

export interface CallbackViewData {
  error: string;
  provider: string;
  mode: "sign-in" | "link";
}

export function CallbackView({ result }: { result: unknown }) {
  const error = result && typeof result === "object" && "error" in result ? (result as CallbackViewData) : null;
  return (
    <section className="mx-auto max-w-md space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight">
        {error ? `Signing in with ${error.provider} didn't work` : "Signing in…"}
      </h1>
      {error ? (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        >
          {error.error}
        </p>
      ) : null}
      <p className="text-sm">
        {error?.mode === "link" ? (
          <Link to="/settings/connections" className="underline">
            Back to connections
          </Link>
        ) : (
          <Link to="/login" className="underline">
            Back to sign in
          </Link>
        )}
      </p>
    </section>
  );
}
