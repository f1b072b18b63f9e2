// Addresses of the plan pages that both server code and components build.

/** The page to watch a plan job on. */
export function jobPath(jobId: string): string {
  return `/plans/jobs/${jobId}`;
}
