import Glibc

/// Converts text in a declared charset to Swift strings.
///
/// UTF-8 and US-ASCII are decoded by Swift; everything else goes through Glibc `iconv`, because
/// Foundation on Linux cannot decode GBK, EUC-JP and others. Only charsets on an allow-list
/// reach `iconv`: a charset name comes from a stranger, and glibc's rarer converters have had
/// hangs and overflows on bad input. Unknown charsets and undecodable bytes become U+FFFD.
public enum Charset {
  /// The iconv name for a charset label (case-insensitive, RFC 2978 names and common aliases),
  /// or nil when the label is not one this module converts.
  public static func iconvName(for label: String) -> String? {
    var key = trimmingWhitespaceAndQuotes(ASCII.lowercased(label))
    // RFC 2231 §5 allows a language suffix on the charset of an encoded word.
    if let star = key.firstIndex(of: "*") { key = String(key[..<star]) }
    if let name = aliases[key] { return name }
    for prefix in ["iso-8859-", "iso8859-", "iso_8859-", "iso8859_", "iso-8859_"]
    where key.hasPrefix(prefix) {
      var digits = key.dropFirst(prefix.count)
      if let colon = digits.firstIndex(of: ":") { digits = digits[..<colon] }
      if let n = Int(digits), (2...16).contains(n), n != 12 { return "ISO-8859-\(n)" }
      if digits == "1" { return "CP1252" }
    }
    for prefix in ["windows-", "cp", "x-cp", "win-"] where key.hasPrefix(prefix) {
      if let n = Int(key.dropFirst(prefix.count)), (1250...1258).contains(n) {
        return "CP\(n)"
      }
    }
    return nil
  }

  private static let aliases: [String: String] = [
    "utf-8": "UTF-8", "utf8": "UTF-8", "unicode-1-1-utf-8": "UTF-8", "x-unicode20utf8": "UTF-8",
    // "US-ASCII" text with 8-bit bytes is mislabelled: UTF-8 when valid, else windows-1252.
    "us-ascii": "US-ASCII", "ascii": "US-ASCII", "ansi_x3.4-1968": "US-ASCII", "us": "US-ASCII",
    "iso646-us": "US-ASCII", "default": "US-ASCII", "x-unknown": "US-ASCII",
    "unknown-8bit": "US-ASCII",
    // WHATWG Encoding: Latin-1 labels mean windows-1252 in practice.
    "iso-8859-1": "CP1252", "latin1": "CP1252", "l1": "CP1252", "iso_8859-1": "CP1252",
    "iso8859-1": "CP1252", "iso-ir-100": "CP1252", "cp819": "CP1252", "ibm819": "CP1252",
    "latin2": "ISO-8859-2", "latin3": "ISO-8859-3", "latin4": "ISO-8859-4",
    "latin5": "ISO-8859-9", "latin6": "ISO-8859-10", "latin9": "ISO-8859-15",
    "cyrillic": "ISO-8859-5", "greek": "ISO-8859-7", "hebrew": "ISO-8859-8",
    "iso-8859-8-i": "ISO-8859-8", "arabic": "ISO-8859-6",
    "koi8-r": "KOI8-R", "koi8r": "KOI8-R", "koi8": "KOI8-R", "koi8-u": "KOI8-U",
    "koi8-ru": "KOI8-RU", "ibm866": "CP866", "cp866": "CP866", "866": "CP866",
    // GB2312 mail is routinely GBK; GBK and GB2312 are subsets of GB18030.
    "gb2312": "GB18030", "gb_2312-80": "GB18030", "gbk": "GB18030", "x-gbk": "GB18030",
    "cp936": "GB18030", "ms936": "GB18030", "windows-936": "GB18030", "euc-cn": "GB18030",
    "csgb2312": "GB18030", "chinese": "GB18030", "gb18030": "GB18030",
    "big5": "BIG5-HKSCS", "big-5": "BIG5-HKSCS", "big5-hkscs": "BIG5-HKSCS",
    "cn-big5": "BIG5-HKSCS",
    "x-x-big5": "BIG5-HKSCS", "csbig5": "BIG5-HKSCS", "cp950": "BIG5-HKSCS",
    // Shift_JIS mail is routinely Microsoft's windows-31j.
    "shift_jis": "CP932", "shift-jis": "CP932", "sjis": "CP932", "x-sjis": "CP932",
    "ms_kanji": "CP932", "csshiftjis": "CP932", "windows-31j": "CP932", "cp932": "CP932",
    "euc-jp": "EUC-JP-MS", "x-euc-jp": "EUC-JP-MS", "cseucpkdfmtjapanese": "EUC-JP-MS",
    "iso-2022-jp": "ISO-2022-JP-3", "csiso2022jp": "ISO-2022-JP-3",
    "iso-2022-jp-2": "ISO-2022-JP-2", "iso-2022-jp-3": "ISO-2022-JP-3",
    "euc-kr": "UHC", "ks_c_5601-1987": "UHC", "ks_c_5601-1989": "UHC", "ksc5601": "UHC",
    "cp949": "UHC", "windows-949": "UHC", "uhc": "UHC", "iso-2022-kr": "ISO-2022-KR",
    "tis-620": "TIS-620", "windows-874": "CP874", "cp874": "CP874", "iso-8859-11": "TIS-620",
    "utf-16": "UTF-16", "utf-16le": "UTF-16LE", "utf-16be": "UTF-16BE",
    "utf-32": "UTF-32", "utf-32le": "UTF-32LE", "utf-32be": "UTF-32BE",
    "utf-7": "UTF-7", "unicode-1-1-utf-7": "UTF-7", "macintosh": "MACINTOSH", "mac": "MACINTOSH",
    "x-mac-roman": "MACINTOSH", "viscii": "VISCII", "armscii-8": "ARMSCII-8",
    "georgian-ps": "GEORGIAN-PS",
  ]

  /// Decodes `bytes` in charset `label`. Never fails: bytes that do not decode, and all 8-bit
  /// bytes of an unknown charset, become U+FFFD.
  public static func decode<C: Collection<UInt8>>(_ bytes: C, charset label: String) -> String {
    guard let name = iconvName(for: label) else {
      return String(validating: bytes, as: UTF8.self) ?? asciiOrReplacement(bytes)
    }
    if name == "UTF-8" { return String(decoding: bytes, as: UTF8.self) }
    if name == "US-ASCII" {
      if let s = String(validating: bytes, as: UTF8.self) { return s }
      return decode(bytes, charset: "windows-1252")
    }
    if bytes.allSatisfy({ $0 < 0x80 }) && !name.hasPrefix("UTF-") && name != "ISO-2022-KR"
      && !name.hasPrefix("ISO-2022-JP")
    {
      // ASCII-compatible charsets: plain ASCII needs no converter.
      return String(decoding: bytes, as: UTF8.self)
    }
    return Array(bytes).withUnsafeBytes { iconvDecode($0, from: name) }
      ?? String(validating: bytes, as: UTF8.self) ?? asciiOrReplacement(bytes)
  }

  private static func asciiOrReplacement<C: Collection<UInt8>>(_ bytes: C) -> String {
    var s = String.UnicodeScalarView()
    for b in bytes { s.append(b < 0x80 ? Unicode.Scalar(b) : "\u{FFFD}") }
    return String(s)
  }

  /// Converts with iconv, replacing each undecodable byte by U+FFFD. Nil when the converter is
  /// missing from this system.
  private static func iconvDecode(_ input: UnsafeRawBufferPointer, from name: String) -> String? {
    let cd = iconv_open("UTF-8", name)
    guard let cd, cd != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(cd) }
    guard let inBase = input.baseAddress else { return "" }
    var out = [UInt8]()
    out.reserveCapacity(input.count * 2 + 16)
    var inPtr = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: CChar.self))
    var inLeft = input.count
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    chunk.withUnsafeMutableBytes { chunkBuf in
      let outBase = chunkBuf.baseAddress!.assumingMemoryBound(to: CChar.self)
      var flushing = false
      // Each pass consumes input, produces output or stops, so the loop ends.
      while true {
        var outPtr: UnsafeMutablePointer<CChar>? = outBase
        var outLeft = chunkBuf.count
        let r: Int
        if flushing {
          r = iconv(cd, nil, nil, &outPtr, &outLeft)
        } else {
          var p: UnsafeMutablePointer<CChar>? = inPtr
          r = iconv(cd, &p, &inLeft, &outPtr, &outLeft)
          if let p { inPtr = p }
        }
        let e = errno
        out.append(contentsOf: chunkBuf[0..<(chunkBuf.count - outLeft)])
        if r != -1 {
          // All input taken: one more call flushes a shift state (ISO-2022-JP), then stop.
          if flushing { return }
          flushing = true
        } else if e == E2BIG {
          continue
        } else if (e == EILSEQ || e == EINVAL) && !flushing && inLeft > 0 {
          // An undecodable or truncated sequence: replace one byte and go on.
          out.append(contentsOf: [0xEF, 0xBF, 0xBD])
          inPtr += 1
          inLeft -= 1
        } else {
          return
        }
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func trimmingWhitespaceAndQuotes(_ s: String) -> String {
    let scalars = s.unicodeScalars
    var lo = scalars.startIndex
    var hi = scalars.endIndex
    let junk: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" }
    while lo < hi && junk(scalars[lo]) { lo = scalars.index(after: lo) }
    while hi > lo && junk(scalars[scalars.index(before: hi)]) { hi = scalars.index(before: hi) }
    return String(scalars[lo..<hi])
  }
}
