import Foundation
import Glibc
import MIME
import Net
import SMTPCore

/// The header fields the server adds to a message: `Return-Path:` at final delivery,
/// `Received:` on every message, and `Message-ID:`/`Date:` on submission when missing.
enum TraceFields {
  /// What the `Received:` line says about the session (RFC 5321 §4.4).
  struct Session {
    /// The EHLO/HELO argument.
    var helo: HelloName?
    /// The client greeted with EHLO.
    var extended: Bool
    var client: SocketAddress
    /// The name the server greeted with.
    var host: String
    /// Negotiated TLS version and cipher, OpenSSL's names.
    var tls: (version: String, cipher: String)?
    var authenticated: Bool
    /// The transaction carried SMTPUTF8 (RFC 6531 §3.7.3 protocol names).
    var smtputf8: Bool
  }

  /// `Return-Path: <sender>` (RFC 5321 §4.4), `<>` for the null sender.
  static func returnPath(_ sender: ReversePath) -> [UInt8] {
    HeaderFieldBuilder.field(name: "Return-Path", value: sender.description)
  }

  /// The `Received:` field:
  /// `from HELO ([IP]) by HOST with PROTO id ID (using TLS…) for <rcpt>; DATE`.
  /// The client is named by its IP literal (no DNS lookups yet) and never by its login.
  /// `recipient` is given only for a single-recipient message, so a Bcc stays private.
  static func received(
    _ s: Session, id: String, recipient: String?, date: Date = Date()
  ) -> [UInt8] {
    let literal = ipLiteral(s.client)
    var words: [String] = []
    if let helo = s.helo, helo.host != nil {
      words += ["from", helo.text, "(\(literal))"]
    } else {
      let said = s.helo.map { " helo=" + commentSafe($0.text) } ?? ""
      words += ["from", literal, "(\(literal)\(said))"]
    }
    words += ["by", s.host, "with", protocolName(s), "id", id]
    if let tls = s.tls {
      words.append("(using \(commentSafe(tls.version)) with cipher \(commentSafe(tls.cipher)))")
    }
    if let recipient { words += ["for", "<\(recipient)>"] }
    let stamp = words.joined(separator: " ") + "; " + formatDate(date)
    return HeaderFieldBuilder.field(name: "Received", value: stamp)
  }

  /// RFC 3848 (ESMTP, ESMTPS, ESMTPA, ESMTPSA; SMTP after HELO) and RFC 6531 §3.7.3
  /// (UTF8SMTP…) protocol names.
  static func protocolName(_ s: Session) -> String {
    let base = s.smtputf8 ? "UTF8SMTP" : (s.extended ? "ESMTP" : "SMTP")
    return base + (s.tls != nil ? "S" : "") + (s.authenticated ? "A" : "")
  }

  /// `Message-ID: <random@host>` for a submitted message without one (RFC 6409 §8.3).
  static func messageID(host: String) -> [UInt8] {
    var rng = SystemRandomNumberGenerator()
    let left = (0..<2).map { _ in String(rng.next() as UInt64, radix: 36) }.joined(separator: ".")
    return HeaderFieldBuilder.field(name: "Message-ID", value: "<\(left)@\(host)>")
  }

  /// `Date:` now, for a submitted message without one (RFC 6409 §8.1).
  static func date(_ date: Date = Date()) -> [UInt8] {
    HeaderFieldBuilder.field(name: "Date", value: formatDate(date))
  }

  /// An RFC 5322 date-time in the server's local zone.
  static func formatDate(_ date: Date) -> String {
    var now = time_t(date.timeIntervalSince1970)
    var parts = tm()
    localtime_r(&now, &parts)
    return MessageDate.format(date, offsetMinutes: parts.tm_gmtoff / 60)
  }

  /// `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3).
  static func ipLiteral(_ address: SocketAddress) -> String {
    let a = address.unmapped
    return a.family == .ipv4 ? "[\(a.host)]" : "[IPv6:\(a.host)]"
  }

  /// Client text made safe inside a comment: printable ASCII without `(`, `)` and `\`.
  static func commentSafe(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.prefix(255).map { c in
          (c.value >= 0x21 && c.value <= 0x7E && c != "(" && c != ")" && c != "\\") ? c : "?"
        }))
  }
}
