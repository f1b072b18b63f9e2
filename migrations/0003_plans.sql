CREATE TABLE `plan_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`requested_by` text,
	`kind` text NOT NULL,
	`plan_id` text,
	`section` text,
	`instruction` text,
	`profile_revision` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`lease_expires_at` integer,
	`deadline_at` integer NOT NULL,
	`cancel_requested` integer DEFAULT false NOT NULL,
	`partial` text,
	`model` text,
	`tokens_in` integer,
	`tokens_out` integer,
	`result_plan_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `plan_jobs_workspace` ON `plan_jobs` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `plan_jobs_one_live_per_revision` ON `plan_jobs` (`workspace_id`,`profile_revision`) WHERE "plan_jobs"."kind" = 'plan' AND "plan_jobs"."status" IN ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX `plan_jobs_one_live_per_section` ON `plan_jobs` (`plan_id`,`section`) WHERE "plan_jobs"."kind" = 'section' AND "plan_jobs"."status" IN ('queued', 'running');--> statement-breakpoint
CREATE TABLE `plan_task_ticks` (
	`plan_id` text NOT NULL,
	`task_id` text NOT NULL,
	`done_by` text,
	`done_at` integer NOT NULL,
	PRIMARY KEY(`plan_id`, `task_id`),
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`done_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `plan_versions` (
	`plan_id` text NOT NULL,
	`version` integer NOT NULL,
	`document` text NOT NULL,
	`change` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`plan_id`, `version`),
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`job_id` text NOT NULL,
	`created_by` text,
	`profile_revision` integer NOT NULL,
	`model` text NOT NULL,
	`current_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_job_id_unique` ON `plans` (`job_id`);--> statement-breakpoint
CREATE INDEX `plans_workspace` ON `plans` (`workspace_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `client_profiles` ADD `revision` integer DEFAULT 1 NOT NULL;