import SMTPCore

/// The queue entry's `params` text, as the SMTP server writes it: one format, defined
/// once in SMTPCore (`OutboundParameters`), read here and written by `Bouncer`.
public typealias QueueParameters = OutboundParameters
