// swift-tools-version:6.0
// Posta: one executable serving SMTP, POP3 and IMAP. No package dependencies:
// the toolchain plus the system libraries OpenSSL and SQLite.
import PackageDescription

let package = Package(
  name: "Posta",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "posta", targets: ["posta"])
  ],
  targets: [
    // C shims
    .target(name: "CLinux", path: "Sources/CLinux"),
    .systemLibrary(
      name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
      providers: [.apt(["libssl-dev"])]),
    .systemLibrary(
      name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]),

    // Libraries, one per concern (see DESIGN.md for the module map)
    .target(name: "Log"),
    .target(name: "Net", dependencies: ["CLinux", "Log"]),
    .target(name: "Crypto", dependencies: ["COpenSSL"]),
    .target(name: "TLS", dependencies: ["COpenSSL", "Net", "Log", "Crypto"]),
    .target(name: "Config", dependencies: ["Log"]),
    .target(name: "Lifecycle", dependencies: ["Log"]),
    .target(name: "MIME"),
    .target(name: "Storage", dependencies: ["CSQLite", "Log"]),
    .target(name: "Auth", dependencies: ["Crypto", "Storage", "Log"]),
    .target(name: "SMTPCore"),
    .target(name: "DNS", dependencies: ["Net", "Log"]),
    .target(name: "DKIM", dependencies: ["Crypto", "MIME"]),
    .target(
      name: "Delivery",
      dependencies: [
        "SMTPCore", "DNS", "Net", "TLS", "Storage", "MIME", "DKIM", "Crypto", "Log",
      ]),
    .target(name: "POP3Core"),
    .target(
      name: "SMTPServer",
      dependencies: ["SMTPCore", "Net", "TLS", "Auth", "Storage", "MIME", "Log"]),
    .target(
      name: "POP3Server", dependencies: ["POP3Core", "Net", "TLS", "Auth", "Storage", "Log"]),

    // The executable
    .executableTarget(
      name: "posta",
      dependencies: [
        "Log", "Net", "Crypto", "TLS", "Config", "Lifecycle", "Storage", "Auth", "MIME",
        "SMTPServer", "POP3Server", "DNS", "DKIM", "Delivery",
      ]),

    // Tests
    .target(
      name: "PostaTestSupport",
      dependencies: ["Net", "Storage", "Auth", "TLS", "Crypto", "Log"],
      path: "Tests/PostaTestSupport"),
    .testTarget(name: "ConfigTests", dependencies: ["Config"]),
    .testTarget(name: "NetTests", dependencies: ["Net", "Log"]),
    .testTarget(name: "TLSTests", dependencies: ["TLS", "Crypto", "Net", "PostaTestSupport"]),
    .testTarget(name: "LifecycleTests", dependencies: ["Lifecycle"]),
    .testTarget(name: "MIMETests", dependencies: ["MIME"], resources: [.copy("Corpus")]),
    .testTarget(name: "StorageTests", dependencies: ["Storage", "Auth", "Crypto"]),
    .testTarget(name: "SMTPCoreTests", dependencies: ["SMTPCore"]),
    .testTarget(name: "POP3CoreTests", dependencies: ["POP3Core"]),
    .testTarget(name: "DNSTests", dependencies: ["DNS", "Net", "Log"]),
    .testTarget(name: "DKIMTests", dependencies: ["DKIM", "Crypto", "MIME"]),
    .testTarget(
      name: "DeliveryTests",
      dependencies: [
        "Delivery", "DNS", "SMTPCore", "Storage", "Net", "TLS", "DKIM", "Crypto", "Log", "MIME",
      ]),
    .testTarget(
      name: "SMTPServerTests",
      dependencies: [
        "SMTPServer", "SMTPCore", "Storage", "Auth", "Net", "TLS", "Crypto", "Log",
        "PostaTestSupport",
      ]),
    .testTarget(
      name: "POP3ServerTests",
      dependencies: [
        "POP3Server", "POP3Core", "Storage", "Auth", "Net", "TLS", "Crypto", "Log",
        "PostaTestSupport",
      ]),
    .testTarget(name: "AuthTests", dependencies: ["Auth", "Crypto", "PostaTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
