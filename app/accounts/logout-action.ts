// POST /logout: ends the session on the server and clears the cookie. GET does nothing but go home,
// so a link or an <img> elsewhere can never sign anyone out.
import { redirect } from "react-router";
import { withDatabase } from "../platform/database.server.ts";
import { redirectWithToast } from "../platform/toast.server.ts";
import type { Route } from "./+types/logout-action";
import { getAuth } from "./auth.server.ts";
import { recordSecurityEvent } from "./security-log.server.ts";
import { clearedSessionCookie, deleteSession } from "./session.server.ts";

export async function action({ request, context }: Route.ActionArgs) {
  const auth = getAuth(context);
  if (auth.status === "signed-in") {
    await withDatabase(context, async (db) => {
      await deleteSession(db, auth.session.id);
      await recordSecurityEvent(db, { userId: auth.user.id, type: "sign-out", request });
    });
  }
  const headers = new Headers({ "Set-Cookie": clearedSessionCookie(request) });
  return redirectWithToast(request, "/", { kind: "info", message: "You are signed out." }, headers);
}

export function loader() {
  return redirect("/");
}
