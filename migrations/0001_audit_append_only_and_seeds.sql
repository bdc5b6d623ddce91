-- The audit log is append-only, enforced by the database: whatever the code does, an UPDATE,
-- DELETE or TRUNCATE of audit_events fails. (A superuser can still disable the trigger; the hash
-- chain is what makes that detectable: `runsheet audit verify`.)
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
--> statement-breakpoint
-- The chain starts from a fixed genesis hash (64 zeros).
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
--> statement-breakpoint
INSERT INTO plan_meta (id, revision) VALUES (1, 0);
--> statement-breakpoint
-- The step types domain.md names; the list is data, a workbook's `Step types` sheet adds more.
INSERT INTO step_types (type, name) VALUES
  ('TRT', 'Treatment'), ('PRE', 'Preparation'), ('BUS', 'Business action'),
  ('IGO', 'IT go/no-go'), ('BGO', 'Business go/no-go'), ('DUM', 'Data dump or restore'),
  ('SYS', 'System action'), ('CHK', 'Technical check'), ('GON', 'Go action');
