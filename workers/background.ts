// Dispatch of the Worker's non-HTTP entry points: queue batches by queue name, cron by schedule.

import { purgeDeletedAccounts } from "../app/accounts/account-deletion.server.ts";
import { deleteExpiredSessions } from "../app/accounts/session.server.ts";
import { deleteEndedFamilies } from "../app/api/token-families.server.ts";
import { deleteExpiredEmailTokens } from "../app/email-flows/cleanup.server.ts";
import { deleteUnreferencedImages } from "../app/images/cleanup.server.ts";
import { deleteExpiredMagicLinks } from "../app/magic-links/cleanup.server.ts";
import { logEvent } from "../app/platform/request-log.ts";
import { deleteExpiredExports } from "../app/settings/data-export.server.ts";
import { createDatabase } from "../db/client.ts";
import { consumeDeadPlanJobs, consumePlanJobs } from "./plan-jobs.ts";
import { baseQueueName, type ConsumedQueue } from "./queue-names.ts";

export const queueConsumers: Record<ConsumedQueue, (batch: MessageBatch, env: Env) => Promise<void>> = {
  "alva-plan-jobs": consumePlanJobs,
  "alva-plan-jobs-dead": consumeDeadPlanJobs,
};

export async function handleQueue(batch: MessageBatch, env: Env): Promise<void> {
  const consume = queueConsumers[baseQueueName(batch.queue, env.ENVIRONMENT) as ConsumedQueue];
  if (!consume) {
    logEvent("error", "no consumer for queue", { queue: batch.queue });
    batch.retryAll();
    return;
  }
  await consume(batch, env);
}

/** A cleanup removes what has expired and returns how many rows it deleted. */
export interface CleanupTask {
  name: string;
  run(env: Env, now: Date): Promise<number>;
}

export const cleanupTasks: CleanupTask[] = [
  { name: "expired-sessions", run: (env, now) => deleteExpiredSessions(createDatabase(env), now.getTime()) },
  { name: "ended-api-sign-ins", run: (env, now) => deleteEndedFamilies(createDatabase(env), now.getTime()) },
  // Verification codes and links, password-reset tokens.
  { name: "expired-email-tokens", run: (env, now) => deleteExpiredEmailTokens(createDatabase(env), now) },
  { name: "expired-magic-links", run: (env, now) => deleteExpiredMagicLinks(createDatabase(env), now) },
  // Uploads nothing refers to (an abandoned onboarding upload, a replaced avatar) after 24 hours.
  { name: "unreferenced-images", run: (env, now) => deleteUnreferencedImages(env, createDatabase(env), now) },
  // "Download my data" archives after 7 days, and accounts deleted 30 days ago (with their R2 objects).
  { name: "expired-data-exports", run: (env, now) => deleteExpiredExports(env, createDatabase(env), now) },
  { name: "deleted-accounts", run: (env, now) => purgeDeletedAccounts(env, createDatabase(env), now) },
];

/** The cron in wrangler.toml that runs the cleanups. */
export const CLEANUP_CRON = "*/30 * * * *";

export async function runCleanups(env: Env, now: Date): Promise<Record<string, number | string>> {
  const report: Record<string, number | string> = {};
  for (const task of cleanupTasks) {
    try {
      report[task.name] = await task.run(env, now);
    } catch (error) {
      // One failing cleanup must not stop the others; it runs again at the next trigger.
      report[task.name] = `failed: ${(error as Error).message}`;
    }
  }
  logEvent("info", "cleanup finished", { report });
  return report;
}

export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  if (controller.cron === CLEANUP_CRON) {
    await runCleanups(env, new Date(controller.scheduledTime));
    return;
  }
  logEvent("error", "no handler for cron", { cron: controller.cron });
}
