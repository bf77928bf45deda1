/// The Auth module: who may log in, and how that is checked.
///
/// It owns password hashes (`PasswordHash`: PBKDF2-HMAC-SHA-256 kept as SCRAM-SHA-256's
/// StoredKey and ServerKey, so one derivation serves PLAIN, LOGIN, USER/PASS, IMAP LOGIN
/// and SCRAM), the dedicated threads that run the key derivation (`PasswordHasher`), the
/// verified-credential cache, the SASL mechanisms shared by SMTP, POP3 and IMAP
/// (`SASLSession`: PLAIN, LOGIN, SCRAM-SHA-256), and the failure throttle that slows
/// and locks out password guessing. `Authenticator` is the one entry point.
///
/// Invariants:
/// - PBKDF2 never runs on the Swift cooperative pool; it runs on `PasswordHasher`'s threads.
/// - An account's password and its app passwords share one salt and iteration count
///   (`KDFParameters`), because SCRAM announces the salt before it knows which of them
///   the client holds.
/// - Every failure answer looks the same from outside: unknown account, malformed login
///   name, wrong password, disabled account and lockout give one reply after one delay
///   schedule; only the log line (`event=auth-failed … reason=…`) tells them apart.
/// - Lockouts are per (client, account) and per client, never per account alone, so
///   nobody can lock a user out from everywhere.
/// - Passwords never reach a log line; cache keys are HMACs, never the password.
///
/// Where credentials come from is `CredentialSource`; the storage layer implements it.
