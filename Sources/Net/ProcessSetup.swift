internal import CLinux
import Glibc

/// Process-wide settings a server makes once at start, before any socket.
public enum ProcessSetup {
  /// Raises the soft limit on open files (RLIMIT_NOFILE) to the hard limit,
  /// so ten thousand connections do not stop at the usual soft 1024.
  /// - Returns: the soft and hard limits now in force.
  @discardableResult
  public static func raiseFileLimit() throws(SystemError) -> (soft: UInt64, hard: UInt64) {
    var soft: UInt64 = 0
    var hard: UInt64 = 0
    if clinux_raise_nofile(&soft, &hard) != 0 {
      throw SystemError(call: "setrlimit(RLIMIT_NOFILE)", errno: errno)
    }
    return (soft, hard)
  }

  /// Ignores SIGPIPE process-wide. Sends already use MSG_NOSIGNAL; this also
  /// covers write(2) on pipes and anything OpenSSL writes itself.
  public static func ignoreSIGPIPE() {
    signal(SIGPIPE, SIG_IGN)
  }
}
