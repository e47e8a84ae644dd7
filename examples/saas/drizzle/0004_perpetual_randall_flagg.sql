ALTER TABLE "projects" ADD COLUMN "color" varchar(7);--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "settings" json DEFAULT '{"public":false}'::json;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "completed_at" timestamp;