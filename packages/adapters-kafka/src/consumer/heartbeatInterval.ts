/**
 * The consumer's heartbeat interval when none is given: a third of the group's session timeout (Kafka's advice, so
 * that one late heartbeat does not end a session), at most kafkajs's default of 3 s.
 */
export const defaultHeartbeatInterval = (sessionTimeoutMs: number): number =>
  Math.max(1, Math.min(3_000, Math.floor(sessionTimeoutMs / 3)));
