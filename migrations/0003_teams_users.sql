CREATE TABLE "teams_users" (
	"aad_object_id" text PRIMARY KEY NOT NULL,
	"teams_user_id" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
