-- Performance (issue 32): a registration batch of an event that counts no seats sends its locks, a check of the
-- locked rows, its INSERT and its COMMIT in one round trip, having decided on its cached copy of the event. The check
-- fails the transaction (nothing is written: PostgreSQL answers the COMMIT with ROLLBACK) when something is not what
-- was decided on; the app then writes the batch again the careful way, deciding on the locked rows. `code` is the
-- SQLSTATE it fails with, so the app can tell which expectation failed.
CREATE FUNCTION eventogate_expect(ok boolean, code text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION 'a registration found the database other than it decided on' USING ERRCODE = code;
  END IF;
END $$;
