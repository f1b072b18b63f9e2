CREATE TABLE `active_user_days` (
	`day` text PRIMARY KEY NOT NULL,
	`users` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `admin_invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`token_hash` text NOT NULL,
	`invited_by` text,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`invited_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_invitations_token_hash_unique` ON `admin_invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `admin_invitations_email` ON `admin_invitations` (`email`);--> statement-breakpoint
CREATE TABLE `chat_room_days` (
	`day` text NOT NULL,
	`room_id` text NOT NULL,
	`messages` integer DEFAULT 0 NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`answers` integer DEFAULT 0 NOT NULL,
	`tokens_in` integer DEFAULT 0 NOT NULL,
	`tokens_out` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `room_id`, `model`)
);
--> statement-breakpoint
CREATE INDEX `chat_room_days_totals` ON `chat_room_days` (`day`,`model`,`messages`,`answers`,`tokens_in`,`tokens_out`);--> statement-breakpoint
CREATE TABLE `instance_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`signup_policy` text DEFAULT 'open' NOT NULL,
	`signup_domains` text DEFAULT '[]' NOT NULL,
	`sign_in_methods` text DEFAULT '["password","magic-link","github","google","apple"]' NOT NULL,
	`plan_limit_per_day` integer,
	`updated_at` integer NOT NULL,
	CONSTRAINT "instance_settings_singleton" CHECK("instance_settings"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `onboarding_card_days` (
	`day` text NOT NULL,
	`card_id` text NOT NULL,
	`answered` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `card_id`)
);
--> statement-breakpoint
CREATE TABLE `user_last_active` (
	`user_id` text PRIMARY KEY NOT NULL,
	`day` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `user_last_active_day` ON `user_last_active` (`day`);--> statement-breakpoint
ALTER TABLE `organizations` ADD `logo_image_id` text;--> statement-breakpoint
ALTER TABLE `waitlist` ADD `invited_at` integer;--> statement-breakpoint
CREATE INDEX `waitlist_time` ON `waitlist` (`created_at`);--> statement-breakpoint
CREATE INDEX `plan_jobs_stats` ON `plan_jobs` (`created_at`,`kind`,`status`,`model`,`started_at`,`finished_at`,`tokens_in`,`tokens_out`);--> statement-breakpoint
CREATE INDEX `plan_jobs_status` ON `plan_jobs` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `workspaces_created` ON `workspaces` (`created_at`);