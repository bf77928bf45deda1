/// Which of the server's names a connection presents (greeting, EHLO): the SNI name a
/// TLS client sent when it is one we serve, else the configured host name. A name we do
/// not serve is never echoed, so a client cannot make the greeting say what it likes.
public enum PresentedName {
  /// - Parameters:
  ///   - serverName: the SNI name (`TLSStream.serverName`), nil without TLS or SNI.
  ///   - hostName: the configured host name, the fallback.
  ///   - hostNames: every other name served (each domain's smtp/pop3/imap host).
  /// - Returns: the SNI name lowercased when it is `hostName` or one of `hostNames`
  ///   (compared case-insensitively), else `hostName`.
  public static func choose(serverName: String?, hostName: String, hostNames: [String]) -> String {
    guard let sni = serverName?.lowercased() else { return hostName }
    let known = hostName.lowercased() == sni || hostNames.contains { $0.lowercased() == sni }
    return known ? sni : hostName
  }
}
