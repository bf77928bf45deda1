enum VersionCommand {
  static let command = Command("version", summary: "print Posta's version") { _ in
    printOut("posta \(PostaCLI.version)")
    return .ok
  }
}
