// The queues this Worker consumes, by their names at the top level of wrangler.toml. Queue names are
// account-wide, so an environment's queues are named like production's plus "-<ENVIRONMENT>"
// (alva-plan-jobs-staging); baseQueueName strips that to find the consumer (workers/background.ts).
export const consumedQueues = ["alva-plan-jobs", "alva-plan-jobs-dead"] as const;
export type ConsumedQueue = (typeof consumedQueues)[number];

export function baseQueueName(queue: string, environment: string): string {
  const suffix = `-${environment}`;
  return queue.endsWith(suffix) ? queue.slice(0, -suffix.length) : queue;
}
