/** What `pnpm oms` (no command, `help` or `--help`) prints, and what an unknown command is answered with. */
export const USAGE = `usage: pnpm oms <command>

commands:
  migrate              apply the schema migrations and exit
  rebuild              recompute the order read models from the events
  relay-status         the relay's checkpoint, its lag in events and seconds, and what holds the reader back
  replay <orderId>     print an order's stored events as JSON lines, then its folded state
  shopify parked [n]   the Shopify webhook deliveries that could not be mapped (parked), newest first
  relay                run the outbox relay as its own process (needs KAFKA_BROKERS) until SIGTERM/SIGINT
  relay parked [--all] the relay's parked events (too large to publish), one JSON line each
  relay retry <id>     publish a parked event again (then its order's later events), e.g. after raising
                       OMS_KAFKA_MAX_MESSAGE_BYTES; the running relay does it within a second
  relay skip <id>      give up a parked event: its order's later events are published without it
  partition-events [n] turn oms_events into n hash partitions by stream (default 16; opt-in, one transaction that
                       copies every event under an exclusive lock: see the README's "Event volume")
  relay reshard <from> <to>
                       change OMS_RELAY_SHARDS from <from> to <to> with every relay stopped: drains the old shards
                       to one position and starts the new ones there (README, "Re-sharding")
  keys rotate          re-wrap every data key with OMS_MASTER_KEY (the old key in OMS_PREVIOUS_MASTER_KEYS); no
                       event is rewritten
  privacy encrypt-existing
                       encrypt the personal data of events stored before encryption (one-off; try it on a copy:
                       CREATE DATABASE copy TEMPLATE live, then DATABASE_URL=…/copy pnpm oms privacy encrypt-existing)
  privacy erase <email>
                       erase a customer's personal data (as POST /v1/privacy/erasures)
  command <Type> [--order <id>] [--line <id>] [--hold <id>] [--input <json>] [--key <idempotency key>]
                       run one order command (e.g. CancelOrder --order <id> --input '{"reason":"..."}') through the
                       same write path as the API; prints the order, or the refusal (exit 1)

Configuration comes from the same environment variables as the server (DATABASE_URL, OMS_DATA_DIR, KAFKA_BROKERS, ...).`;
