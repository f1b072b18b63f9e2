// Queue consumer for AI marketing-plan jobs. The AI plan feature fills in the generation itself; until
// then a job message is validated, logged and acknowledged, one message at a time, so one bad message
// never retries the whole batch.
import { planJobMessage } from "../app/plans/plan-job-message.ts";

export async function consumePlanJobs(batch: MessageBatch, _env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = planJobMessage.safeParse(message.body);
    if (!parsed.success) {
      // Retrying cannot fix a malformed message: log it and drop it.
      console.error(JSON.stringify({ level: "error", msg: "plan job malformed", messageId: message.id }));
      message.ack();
      continue;
    }
    console.log(
      JSON.stringify({ level: "info", msg: "plan job received", jobId: parsed.data.jobId, attempts: message.attempts }),
    );
    message.ack();
  }
}

/** Messages that failed every retry: the job is given up (the AI plan feature marks it failed, retryable). */
export async function consumeDeadPlanJobs(batch: MessageBatch, _env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = planJobMessage.safeParse(message.body);
    console.error(
      JSON.stringify({
        level: "error",
        msg: "plan job gave up",
        jobId: parsed.data?.jobId ?? null,
        messageId: message.id,
      }),
    );
    message.ack();
  }
}
