ALTER TABLE "step_types" ADD COLUMN "sort_order" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The seeded types in the order domain.md lists them.
UPDATE step_types SET sort_order = CASE type
  WHEN 'TRT' THEN 1 WHEN 'PRE' THEN 2 WHEN 'BUS' THEN 3 WHEN 'IGO' THEN 4 WHEN 'BGO' THEN 5
  WHEN 'DUM' THEN 6 WHEN 'SYS' THEN 7 WHEN 'CHK' THEN 8 WHEN 'GON' THEN 9 ELSE 100 END;
