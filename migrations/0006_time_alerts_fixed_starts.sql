CREATE TABLE "alert_posts" (
	"alert_id" integer NOT NULL,
	"conversation_id" text NOT NULL,
	"activity_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_posts_alert_id_conversation_id_pk" PRIMARY KEY("alert_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"iteration_id" integer NOT NULL,
	"kind" text NOT NULL,
	"cause_key" text NOT NULL,
	"subject" text NOT NULL,
	"step_id" integer,
	"message" text NOT NULL,
	"details" jsonb NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "step_fixed_starts" (
	"iteration_id" integer NOT NULL,
	"step_id" integer NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	CONSTRAINT "step_fixed_starts_iteration_id_step_id_pk" PRIMARY KEY("iteration_id","step_id")
);
--> statement-breakpoint
ALTER TABLE "alert_posts" ADD CONSTRAINT "alert_posts_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_fixed_starts" ADD CONSTRAINT "step_fixed_starts_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_fixed_starts" ADD CONSTRAINT "step_fixed_starts_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_cause" ON "alerts" USING btree ("iteration_id","cause_key");--> statement-breakpoint
CREATE INDEX "alerts_open" ON "alerts" USING btree ("iteration_id") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX "jobs_failed" ON "jobs" USING btree ("finished_at") WHERE state = 'failed';