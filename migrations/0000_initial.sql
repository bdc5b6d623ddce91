CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"actor_name" text DEFAULT '' NOT NULL,
	"iteration" text,
	"subject" text NOT NULL,
	"type" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_head" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chapter_schedules" (
	"iteration_id" integer NOT NULL,
	"chapter_id" integer NOT NULL,
	"planned_start" timestamp with time zone NOT NULL,
	"planned_end" timestamp with time zone NOT NULL,
	CONSTRAINT "chapter_schedules_iteration_id_chapter_id_pk" PRIMARY KEY("iteration_id","chapter_id"),
	CONSTRAINT "chapter_schedules_end_after_start" CHECK ("chapter_schedules"."planned_end" > "chapter_schedules"."planned_start")
);
--> statement-breakpoint
CREATE TABLE "chapters" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"phase_id" integer NOT NULL,
	"sort_order" integer NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "chapters_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "control_results" (
	"iteration_id" integer NOT NULL,
	"control_id" integer NOT NULL,
	"result" text DEFAULT 'OPEN' NOT NULL,
	"note" text,
	"last_action" text,
	"changed_at" timestamp with time zone,
	"changed_by" text,
	"changed_by_name" text,
	"version" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "control_results_iteration_id_control_id_pk" PRIMARY KEY("iteration_id","control_id")
);
--> statement-breakpoint
CREATE TABLE "controls" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"producer_team_id" integer NOT NULL,
	"validator_team_id" integer NOT NULL,
	"description_html" text DEFAULT '' NOT NULL,
	"sort_order" integer NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "controls_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "conversation_refs" (
	"id" serial PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"purpose" text DEFAULT 'unlinked' NOT NULL,
	"team_id" integer,
	"service_url" text NOT NULL,
	"tenant_id" text,
	"reference" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_refs_conversation_id_unique" UNIQUE("conversation_id")
);
--> statement-breakpoint
CREATE TABLE "email_templates" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"subject" text NOT NULL,
	"body_html" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "email_templates_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "environments" (
	"name" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "iterations" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"time_zone" text DEFAULT 'Europe/Zurich' NOT NULL,
	"comms" text DEFAULT 'test' NOT NULL,
	"status" text DEFAULT 'PLANNED' NOT NULL,
	"sort_order" integer NOT NULL,
	"activated_at" timestamp with time zone,
	"activated_by" text,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "iterations_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"dedupe_key" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 10 NOT NULL,
	"last_error" text,
	"locked_by" text,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "phases" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sort_order" integer NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "phases_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "plan_meta" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"imported_at" timestamp with time zone,
	"imported_by" text
);
--> statement-breakpoint
CREATE TABLE "posted_cards" (
	"id" serial PRIMARY KEY NOT NULL,
	"iteration_id" integer NOT NULL,
	"step_id" integer NOT NULL,
	"conversation_id" text NOT NULL,
	"activity_id" text NOT NULL,
	"shown_version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "step_predecessors" (
	"step_id" integer NOT NULL,
	"predecessor_id" integer NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "step_predecessors_step_id_predecessor_id_pk" PRIMARY KEY("step_id","predecessor_id")
);
--> statement-breakpoint
CREATE TABLE "step_scope" (
	"step_id" integer NOT NULL,
	"iteration_id" integer NOT NULL,
	CONSTRAINT "step_scope_iteration_id_step_id_pk" PRIMARY KEY("iteration_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "step_states" (
	"iteration_id" integer NOT NULL,
	"step_id" integer NOT NULL,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"held_from" text,
	"started_at" timestamp with time zone,
	"started_by" text,
	"ended_at" timestamp with time zone,
	"ended_by" text,
	"reason" text,
	"last_action" text,
	"changed_at" timestamp with time zone,
	"changed_by" text,
	"changed_by_name" text,
	"version" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "step_states_iteration_id_step_id_pk" PRIMARY KEY("iteration_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "step_types" (
	"type" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"number" integer NOT NULL,
	"suffix" text DEFAULT '' NOT NULL,
	"title" text NOT NULL,
	"chapter_id" integer NOT NULL,
	"team_id" integer NOT NULL,
	"environment" text DEFAULT '' NOT NULL,
	"duration_minutes" integer,
	"description_html" text DEFAULT '' NOT NULL,
	"instructions_url" text DEFAULT '' NOT NULL,
	"sort_order" integer NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "steps_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "task_controls" (
	"task_id" integer NOT NULL,
	"control_id" integer NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "task_controls_task_id_control_id_pk" PRIMARY KEY("task_id","control_id")
);
--> statement-breakpoint
CREATE TABLE "task_states" (
	"iteration_id" integer NOT NULL,
	"task_id" integer NOT NULL,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"held_from" text,
	"started_at" timestamp with time zone,
	"started_by" text,
	"ended_at" timestamp with time zone,
	"ended_by" text,
	"reason" text,
	"last_action" text,
	"changed_at" timestamp with time zone,
	"changed_by" text,
	"changed_by_name" text,
	"version" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "task_states_iteration_id_task_id_pk" PRIMARY KEY("iteration_id","task_id")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"step_id" integer NOT NULL,
	"number" integer NOT NULL,
	"description_html" text DEFAULT '' NOT NULL,
	"team_id" integer NOT NULL,
	"duration_minutes" integer,
	"sort_order" integer NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "tasks_key_unique" UNIQUE("key"),
	CONSTRAINT "tasks_number_range" CHECK ("tasks"."number" between 1 and 1000)
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"ad_group" text DEFAULT '' NOT NULL,
	"channel_url" text DEFAULT '' NOT NULL,
	"mailbox" text DEFAULT '' NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	CONSTRAINT "teams_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "chapter_schedules" ADD CONSTRAINT "chapter_schedules_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chapter_schedules" ADD CONSTRAINT "chapter_schedules_chapter_id_chapters_id_fk" FOREIGN KEY ("chapter_id") REFERENCES "public"."chapters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chapters" ADD CONSTRAINT "chapters_phase_id_phases_id_fk" FOREIGN KEY ("phase_id") REFERENCES "public"."phases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_results" ADD CONSTRAINT "control_results_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_results" ADD CONSTRAINT "control_results_control_id_controls_id_fk" FOREIGN KEY ("control_id") REFERENCES "public"."controls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_producer_team_id_teams_id_fk" FOREIGN KEY ("producer_team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_validator_team_id_teams_id_fk" FOREIGN KEY ("validator_team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_refs" ADD CONSTRAINT "conversation_refs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posted_cards" ADD CONSTRAINT "posted_cards_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posted_cards" ADD CONSTRAINT "posted_cards_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_predecessors" ADD CONSTRAINT "step_predecessors_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_predecessors" ADD CONSTRAINT "step_predecessors_predecessor_id_steps_id_fk" FOREIGN KEY ("predecessor_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_scope" ADD CONSTRAINT "step_scope_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_scope" ADD CONSTRAINT "step_scope_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_states" ADD CONSTRAINT "step_states_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_states" ADD CONSTRAINT "step_states_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_type_step_types_type_fk" FOREIGN KEY ("type") REFERENCES "public"."step_types"("type") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_chapter_id_chapters_id_fk" FOREIGN KEY ("chapter_id") REFERENCES "public"."chapters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_controls" ADD CONSTRAINT "task_controls_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_controls" ADD CONSTRAINT "task_controls_control_id_controls_id_fk" FOREIGN KEY ("control_id") REFERENCES "public"."controls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_states" ADD CONSTRAINT "task_states_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_states" ADD CONSTRAINT "task_states_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_step_id_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."steps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_subject" ON "audit_events" USING btree ("subject","seq");--> statement-breakpoint
CREATE INDEX "audit_events_iteration" ON "audit_events" USING btree ("iteration","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "iterations_one_active" ON "iterations" USING btree ("status") WHERE status = 'ACTIVE';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_pending_dedupe" ON "jobs" USING btree ("dedupe_key") WHERE state = 'pending' and dedupe_key is not null;--> statement-breakpoint
CREATE INDEX "jobs_due" ON "jobs" USING btree ("run_at") WHERE state = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "posted_cards_unique" ON "posted_cards" USING btree ("iteration_id","step_id","conversation_id");--> statement-breakpoint
CREATE INDEX "step_predecessors_pred" ON "step_predecessors" USING btree ("predecessor_id");--> statement-breakpoint
CREATE INDEX "step_states_status" ON "step_states" USING btree ("iteration_id","status");--> statement-breakpoint
CREATE INDEX "steps_chapter" ON "steps" USING btree ("chapter_id");--> statement-breakpoint
CREATE INDEX "steps_team" ON "steps" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "task_controls_control" ON "task_controls" USING btree ("control_id");--> statement-breakpoint
CREATE INDEX "tasks_step" ON "tasks" USING btree ("step_id");