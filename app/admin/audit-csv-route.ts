// GET /admin/audit.csv: the audit log with the page's filters, as a spreadsheet-safe CSV (app/platform/csv.ts).
// Admins only, like the page; never cached (the shell marks every answer private, no-store).
import { requireRole } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import type { Route } from "./+types/audit-csv-route";
import { AUDIT_CSV_LIMIT, auditCsv, listAudit, readAuditFilter } from "./audit.server.ts";

export async function loader(args: Route.LoaderArgs) {
  requireRole(args, "admin");
  const filter = readAuditFilter(new URL(args.request.url));
  const { rows } = await withDatabase(args.context, (db) => listAudit(db, filter, AUDIT_CSV_LIMIT));
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(auditCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="alva-audit-${stamp}.csv"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
