/// Why a path, mailbox or domain does not parse; the parser wraps it in the reply for the
/// command (501 5.1.7 for MAIL, 501 5.1.3 for RCPT).
struct AddressError: Error, Hashable {
  let message: String
  init(_ message: String) { self.message = message }
}
