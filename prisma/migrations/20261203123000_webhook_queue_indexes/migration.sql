-- Hand-written: replays are found per endpoint (the claim's skip scan over endpoints with replays, and each
-- endpoint's oldest requested first), so the partial index leads with endpoint_id. Without it both reads fell
-- back to scanning every delivery of the endpoint (measured: 12 ms per claim with 15,000 deliveries).
DROP INDEX IF EXISTS "webhook_deliveries_replay_idx";
CREATE INDEX "webhook_deliveries_replay_idx" ON "webhook_deliveries"("endpoint_id", "replay_requested_at") WHERE "replay_requested_at" IS NOT NULL;

-- The sweep for attempts whose worker died looks only at attempts still in flight, not at 30 days of log.
CREATE INDEX "webhook_attempts_in_flight_idx" ON "webhook_attempts"("delivery_id") WHERE "error_class" = 'in_flight';
