ALTER TABLE "control_results" ADD COLUMN "confirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "control_results" ADD COLUMN "confirmed_by" text;--> statement-breakpoint
ALTER TABLE "control_results" ADD COLUMN "confirmed_by_name" text;--> statement-breakpoint
ALTER TABLE "control_results" ADD COLUMN "confirm_note" text;