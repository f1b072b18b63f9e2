import { describe, expect, it } from "vitest";
import { deadDatabase, send } from "../../tests/worker-helpers.ts";

describe("/healthz", () => {
  it("answers 200 without touching the database", async () => {
    const response = await send("/healthz", deadDatabase);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });
});

describe("/readyz", () => {
  it("answers 200 when the database runs a query", async () => {
    const response = await send("/readyz");
    expect(response.status).toBe(200);
    const body = await response.json<{ status: string; database: { latencyMs: number } }>();
    expect(body.status).toBe("ready");
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("answers 503 with a JSON reason when the database is unreachable", async () => {
    const response = await send("/readyz", deadDatabase);
    expect(response.status).toBe(503);
    const body = await response.json<{ status: string; reason: string; requestId: string }>();
    expect(body).toMatchObject({ status: "unavailable", reason: "database unreachable" });
    expect(body.requestId).toBe(response.headers.get("X-Request-Id"));
  });

  it("answers 503 when the database refuses our credentials", async () => {
    const response = await send("/readyz", { TURSO_AUTH_TOKEN: "wrong-token" });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "unavailable", reason: "database query failed" });
  });
});

describe("the aliases /health, /live and /ready", () => {
  it.each(["/health", "/live"])("%s answers like /healthz, without the database", async (path) => {
    const response = await send(path, deadDatabase);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });

  it("/ready answers like /readyz", async () => {
    const ready = await send("/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
    const down = await send("/ready", deadDatabase);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "unavailable", reason: "database unreachable" });
  });
});
