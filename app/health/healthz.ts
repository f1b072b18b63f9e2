// GET /healthz: the Worker is up. No I/O, so it answers even when the database is down.
export function loader() {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
