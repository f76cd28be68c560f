/**
 * The trigger function behind every guard that refuses a change outright (SQLite's `RAISE(ABORT, '...')`): the
 * message is the trigger's argument. SQLSTATE 23001 (restrict_violation) puts the refusal in the integrity
 * constraint class, where SQLite reports it too (SQLITE_CONSTRAINT_TRIGGER).
 */
export const FUNCTIONS_SQL = `
CREATE FUNCTION yms_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation';
END
$$;
`
