"""Background delivery: observers that apps register, the durable outbox of notifications
written in the same transaction as the change they announce, and the worker that POSTs them
to webhooks, signed, with retries."""
