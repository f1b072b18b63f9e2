// Two teammates in a room while the server process stops and starts again (a deploy, a crash): both
// pages show the connection going offline and coming back, a message typed while offline waits and is
// delivered after the reconnect, and nothing is lost or doubled. The spec runs a server of its own
// (tests/e2e/serve.ts with E2E_STATE_DIR, so the restarted server has the same database, rooms and
// session secret) on E2E_RESTART_PORT, so restarting it does not disturb the other specs.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "@playwright/test";
import { test } from "./browser-errors.ts";
import { expectSoon as expect, inviteTeammate, signedInUser } from "./team.ts";

// Below the main server's three ports (E2E_PORT, E2E_FRESH_PORT and E2E_FAKE_OAUTH_PORT: 8799, 8798,
// 8797 by default), so the defaults never collide with them.
const mainPort = Number(process.env.E2E_PORT ?? 8799);
const port = Number(process.env.E2E_RESTART_PORT ?? mainPort - 3);
/** Its fake OAuth provider needs a port of its own too. */
const oauthPort = Number(process.env.E2E_RESTART_OAUTH_PORT ?? mainPort - 4);
const baseURL = `http://localhost:${port}`;

test.use({ baseURL });
// Sign-ups, invitations and two server starts on a shared machine.
test.setTimeout(300_000);

let stateDir = "";
let server: ChildProcess | null = null;

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    (response) => response.ok,
    () => false,
  );
}

async function startServer(): Promise<void> {
  server = spawn(process.execPath, ["tests/e2e/serve.ts", String(port)], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, E2E_STATE_DIR: stateDir, E2E_FAKE_OAUTH_PORT: String(oauthPort) },
  });
  for (let i = 0; i < 240; i++) {
    if (await answers(`${baseURL}/readyz`)) return;
    if (server.exitCode !== null) throw new Error(`the restartable server exited (${server.exitCode})`);
    await sleep(500);
  }
  throw new Error(`${baseURL} did not start within two minutes`);
}

/** SIGTERM, as a deploy or `wrangler dev` stopping would; waits until nothing listens on the port. */
async function stopServer(): Promise<void> {
  const running = server;
  server = null;
  if (!running || running.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    running.once("exit", () => resolve());
    running.kill("SIGTERM");
  });
  for (let i = 0; i < 60; i++) {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (!listening) return;
    await sleep(500);
  }
  throw new Error(`port ${port} still in use after the server stopped`);
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stateDir = mkdtempSync(join(tmpdir(), "alva-e2e-restart-"));
  await startServer();
});

test.afterAll(async () => {
  await stopServer();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const connection = (page: Page) => page.getByTestId("connection");
const withText = (page: Page, text: string) => page.getByTestId("message").filter({ hasText: text });

test("the room reconnects after the server restarts; a message typed offline is delivered once", async ({
  browser,
  browserErrors,
}) => {
  const owner = await signedInUser(browser, "owner");
  const mate = await inviteTeammate(browser, owner);
  await owner.page.goto("/chat");
  for (const page of [owner.page, mate.page]) await expect(connection(page)).toHaveAttribute("data-state", "online");
  await owner.page.getByLabel("Message").fill("before the restart");
  await owner.page.getByLabel("Message").press("Enter");
  await expect(withText(mate.page, "before the restart")).toHaveCount(1);

  await stopServer();
  for (const page of [owner.page, mate.page]) {
    await expect(connection(page)).toHaveAttribute("data-state", /offline|connecting/);
    await expect(connection(page)).toContainText(/Offline|Connecting/);
  }
  // Typed while the server is down: it waits, and the page says so.
  await mate.page.getByLabel("Message").fill("typed while offline");
  await mate.page.getByLabel("Message").press("Enter");
  await expect(connection(mate.page)).toContainText("1 waiting to send");
  await expect(withText(owner.page, "typed while offline")).toHaveCount(0);

  await startServer();
  // The client's backoff (full jitter, up to 30 s) decides when each page tries again.
  for (const page of [owner.page, mate.page]) {
    await expect(connection(page)).toHaveAttribute("data-state", "online", { timeout: 90_000 });
  }
  await expect(connection(mate.page)).not.toContainText("waiting to send");
  for (const page of [owner.page, mate.page]) {
    await expect(withText(page, "typed while offline")).toHaveCount(1);
    await expect(withText(page, "before the restart")).toHaveCount(1);
    await expect(page.getByTestId("message")).toHaveCount(2);
  }
  // After the reconnect the room is live both ways again.
  await owner.page.getByLabel("Message").fill("after the restart");
  await owner.page.getByLabel("Message").press("Enter");
  await expect(withText(mate.page, "after the restart")).toHaveCount(1);
  // Stored once each, in order (a reload reads the room's storage, not the page's state).
  await mate.page.reload();
  await expect(mate.page.getByTestId("message-text")).toHaveText([
    "before the restart",
    "typed while offline",
    "after the restart",
  ]);

  // Chromium logs each refused reconnection attempt as a console error: expected while the server is down.
  const unexpected = browserErrors.filter((error) => !/WebSocket connection to '.*' failed/.test(error));
  browserErrors.splice(0, browserErrors.length, ...unexpected);
});
