import Config
import Glibc
import Net

/// Turns a configured listen address into the socket addresses to bind.
///
/// IP literals (and `localhost`) need no lookup; another host name is resolved
/// once at start through the system resolver, binding every address it has —
/// a blocking call, acceptable only before the server reports ready.
enum ListenAddressResolver {
  static func resolve(_ address: ListenAddress) throws(CLIError) -> [SocketAddress] {
    if let literal = try? SocketAddress(host: address.host, port: address.port) {
      return [literal]
    }
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
    guard rc == 0, let first = list else {
      let reason = rc == 0 ? "no address" : String(cString: gai_strerror(rc))
      throw CLIError(.config, "cannot resolve listen address \(address): \(reason)")
    }
    defer { freeaddrinfo(list) }
    var found: [SocketAddress] = []
    var node: UnsafeMutablePointer<addrinfo>? = first
    while let n = node {
      if let sa = n.pointee.ai_addr, let resolved = SocketAddress(sa),
        let a = try? SocketAddress(bytes: resolved.bytes, port: address.port), !found.contains(a)
      {
        found.append(a)
      }
      node = n.pointee.ai_next
    }
    if found.isEmpty {
      throw CLIError(.config, "cannot resolve listen address \(address): no IP address")
    }
    return found
  }
}
