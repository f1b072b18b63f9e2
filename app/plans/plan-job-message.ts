// The body of a PLAN_JOBS message: only the job id; everything else is read from the job row.
import { z } from "zod";

export const planJobMessage = z.object({ jobId: z.string().min(1).max(100) });
export type PlanJobMessage = z.infer<typeof planJobMessage>;
