// The Storage module: Posta's mail store.
//
// What it owns
// - One SQLite database, `data_dir/posta.db`, in WAL mode with `synchronous=FULL`:
//   accounts (password hashes opaque to it), app passwords, aliases, the mirror of the
//   hosted domains from the configuration, mailboxes (UIDVALIDITY, UIDNEXT,
//   HIGHESTMODSEQ, special use, subscriptions), messages (UID, flags, keywords, MODSEQ,
//   dates), expunged UIDs with their MODSEQ, message bodies with their cached metadata,
//   per-account quota usage, and the outbound queue.
// - The threads that touch it: one writer thread and a few reader threads. Async
//   functions of `MailStore` hand work to them with continuations; no SQLite call and
//   no file I/O runs on the Swift cooperative pool.
// - The per-mailbox change feed (`MailStore.changes(of:)`) and the in-memory POP3
//   maildrop locks.
//
// Why bodies live in the database
// Bodies are rows of `body_chunks` (64 KiB each) written by the writer inside the same
// transaction as the message rows that reference them. One WAL commit makes message
// and index durable together with one fsync shared by the whole batch, and a crash at
// any instant leaves the transaction either in the WAL (replayed) or not: no orphan
// files, no second fsync per file and per directory, nothing to clean at start, and a
// backup (`VACUUM INTO`) is one consistent snapshot of everything, taken in one read
// transaction, so a body freed meanwhile is still whole in the copy. Chunking lets a
// reader fetch any 64 KiB piece by primary key, so a 20 MB POP3 RETR or an IMAP partial
// fetch streams without loading the message, and without walking SQLite's overflow
// page chain from the start as incremental blob I/O on one huge row would. The cost is
// that every body is written twice (WAL, then checkpoint), which is cheap next to an
// fsync per message.
//
// Invariants
// - Durability: a write returns only after its transaction committed; with
//   `synchronous=FULL` in WAL mode that commit synced the WAL.
// - Group commit: the writer takes every queued request, runs each in a savepoint of
//   one transaction and commits once (`WriterThread`); after a batch of n jobs it waits
//   briefly for n more, so a fast disk does not split concurrent writers into tiny
//   batches. UIDs and MODSEQs are assigned there, inside the transaction that stores
//   the message.
// - Single instance: a message for N mailboxes has one body referenced N times;
//   `bodies.refs` is maintained by triggers and the last reference deletes the body.
// - Quotas are checked inside the writer's transaction, so concurrent deliveries cannot
//   overshoot them.
// - Changes are published to subscribers only after their commit.
// - Other processes (CLI commands) share the database through the busy timeout; the
//   store never takes an exclusive lock. `changeCounter()` moves on every commit of any
//   process.
