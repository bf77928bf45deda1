/// Exit statuses from sysexits(3), so scripts can tell failures apart.
enum ExitCode: Int32 {
  case ok = 0
  case failure = 1
  case usage = 64
  case dataError = 65
  case noInput = 66
  case noUser = 67
  case software = 70
  case cantCreate = 73
  /// EX_OSERR: the system refused something (a port in use, a privileged port).
  case osError = 71
  case ioError = 74
  case tempFail = 75
  case config = 78
}

/// An error a command reports to the user before exiting with `code`.
struct CLIError: Error, CustomStringConvertible {
  let code: ExitCode
  let message: String
  init(_ code: ExitCode, _ message: String) {
    self.code = code
    self.message = message
  }
  var description: String { message }
}
