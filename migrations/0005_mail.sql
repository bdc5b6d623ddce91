CREATE TABLE "mail_digest_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"iteration_id" integer NOT NULL,
	"audit_seq" bigint NOT NULL,
	"change" jsonb NOT NULL,
	"comms" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "service_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mail_digest_entries" ADD CONSTRAINT "mail_digest_entries_iteration_id_iterations_id_fk" FOREIGN KEY ("iteration_id") REFERENCES "public"."iterations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mail_digest_entries_once" ON "mail_digest_entries" USING btree ("recipient","audit_seq");--> statement-breakpoint
CREATE INDEX "mail_digest_entries_unsent" ON "mail_digest_entries" USING btree ("recipient","id") WHERE sent_at is null;