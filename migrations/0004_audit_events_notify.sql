-- Live updates: every appended audit event is announced on the channel `runsheet_audit`, by the
-- database itself, inside the transaction that appends it. PostgreSQL delivers a NOTIFY only at
-- commit (and drops it on rollback), in commit order, to every instance LISTENing: the tab's SSE
-- streams (src/tab/live-events.ts) hear every write path (engine, import, chapter plans, the bot)
-- within moments of its commit. The payload stays small (well under NOTIFY's 8000 bytes): the
-- listeners read what they need from audit_events by seq.
CREATE FUNCTION audit_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('runsheet_audit', json_build_object(
    'seq', NEW.seq, 'iteration', NEW.iteration, 'subject', left(NEW.subject, 200), 'type', NEW.type
  )::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_notify AFTER INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_notify();
