// The Delivery module: Posta's outbound half. It owns
// - `QueueRunner`, the service that drains the store's outbound queue: it picks due
//   recipients, groups them by domain, delivers each group in one SMTP transaction,
//   records every outcome and schedules retries (`RetrySchedule`);
// - `Router`, which turns a recipient domain into the hosts to try: static routes, a
//   smarthost, or MX records (preference order, random among equals, implicit MX, null MX);
// - `SMTPClient`, one SMTP session to one host: EHLO/HELO, opportunistic STARTTLS
//   (RFC 7435) or verified TLS with AUTH PLAIN for smarthosts, PIPELINING, SIZE, 8BITMIME
//   (with 7-bit conversion for servers without it), SMTPUTF8, DSN, dot-stuffed DATA
//   streamed from the store, per-recipient replies, the timeouts of RFC 5321 §4.5.3.2;
// - delivery status notifications (RFC 3464, `DeliveryStatusNotification`) and their
//   commit (`Bouncer`), including the "delivered" report the SMTP server asks for after
//   storing a message for a local `NOTIFY=SUCCESS` recipient (`DeliveredNotifier`);
// - `DKIMSigning`, the one place that signs outgoing mail with the keys of `DKIMKeyStore`.
//
// Invariants
// - A recipient's outcome is committed to the store before anything else depends on it;
//   a bounce is committed in the same transaction as the failures it reports
//   (`Delivery.queueUpdates`), so a crash never loses one or sends it twice.
// - Recipients that were delivered are committed as soon as their transaction ends, so a
//   crash later in the same pass does not send them again.
// - Never a bounce for a message with the null sender (RFC 5321 §4.5.5); bounces are sent
//   with the null sender, so a failing bounce ends the chain.
// - Notifications follow each recipient's NOTIFY (RFC 3461): none with NEVER, failures
//   and delays only when asked for (or NOTIFY absent), a "relayed" report for SUCCESS when
//   the next hop has no DSN; with DSN, RET/ENVID/NOTIFY/ORCPT go on and it reports. A
//   success report ("relayed", "delivered", "expanded") returns the header only,
//   whatever RET says.
// - Nothing 8-bit goes to a server without 8BITMIME (`EightBitDowngrade`), and mail is
//   never sent to this server itself (own addresses, own name in the greeting: 5.4.6).
// - 5xx replies, NXDOMAIN and null MX fail a recipient at once; 4xx replies, timeouts,
//   connection and temporary DNS errors defer it until `RetrySchedule` gives up.
// - No globals: store, resolver, reactor, clock, logger and settings are passed in.
enum DeliveryModule {}
