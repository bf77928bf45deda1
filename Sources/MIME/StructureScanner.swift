import Glibc

/// Builds the MIME tree in one forward pass over the lines of a message.
///
/// Nested multiparts are not parsed by recursion over sub-ranges (which rereads bytes once per
/// level). Instead a stack of open boundaries is kept, and each line that starts with "--" is
/// compared against it, innermost first; a match for an outer boundary closes every part
/// inside it (RFC 2046 §5.1.2). Leaf bodies with no open boundary are skipped with `memchr`.
/// Every byte is visited a bounded number of times, so the cost is linear in the message, with
/// a constant bounded by ``MIMELimits/maxDepth``.
struct StructureScanner {
  enum Kind {
    case leaf, multipart, message
  }

  /// A node under construction; offsets are filled in as the scan reaches them.
  struct Node {
    var parent: Int
    var depth: Int
    /// The root, or a message encapsulated by message/rfc822: it gets an envelope.
    var isMessage: Bool
    /// Its parent is multipart/digest, so its default type is message/rfc822.
    var inDigest: Bool
    var headerStart: Int
    var headerEnd = 0
    var bodyStart = 0
    var bodyEnd = 0
    var bodyStartLine = 0
    var lineFeeds = 0
    var fields: PartFields?
    var envelope: Envelope?
    var kind = Kind.leaf
    var children: [Int] = []
    var issue: StructureIssue?
  }

  struct Frame {
    var node: Int
    var boundary: [UInt8]
  }

  let buf: UnsafeRawBufferPointer
  let n: Int
  let limits: MIMELimits
  var nodes: [Node] = []
  var frames: [Frame] = []
  /// The node whose header or body the scan is in.
  var current = 0
  var inHeader = true
  var pos = 0
  /// Line feeds before `pos`.
  var lineNo = 0
  /// Set once ``MIMELimits/maxParts`` is reached: no more boundaries are recognised.
  var frozen = false
  var stats = ParseStats()

  init(_ buf: UnsafeRawBufferPointer, limits: MIMELimits) {
    self.buf = buf
    self.n = buf.count
    self.limits = limits
  }

  mutating func run() -> MIMEPart {
    nodes.append(Node(parent: -1, depth: 0, isMessage: true, inDigest: false, headerStart: 0))
    while pos < n {
      if inHeader { scanHeader() } else { scanBody() }
    }
    var j = current
    while j >= 0 {
      finalize(j, end: n, endLine: lineNo)
      j = nodes[j].parent
    }
    stats.nodesBuilt = nodes.count
    return build(0)
  }

  // MARK: - Headers

  private mutating func scanHeader() {
    let i = current
    var scanner = HeaderScanner(start: pos)
    var known = KnownFields()
    var recorded = 0
    func record(_ span: FieldSpan?, _ known: inout KnownFields, _ stats: inout ParseStats) {
      guard let span, recorded < limits.maxHeaderFields else { return }
      known.record(buf, span)
      recorded += 1
      stats.headerFields += 1
    }
    var p = pos
    while p < n {
      if let match = matchBoundary(at: p) {
        // A boundary inside the header: the part ends here with no body.
        record(scanner.finish(), &known, &stats)
        let (e, eLine) = cut(before: p, floor: nodes[i].headerStart)
        completeHeader(i, known, headerEnd: e, bodyStart: e, bodyStartLine: eLine)
        handleBoundary(match, at: p)
        return
      }
      let eol = buf.lineEnd(from: p, end: n)
      stats.linesExamined += 1
      stats.bytesExamined += eol - p
      if let outcome = scanner.feed(buf, lineStart: p, lineEnd: eol) {
        record(scanner.finish(), &known, &stats)
        switch outcome {
        case .blankLine(let after):
          if buf[after - 1] == ASCII.lf { lineNo += 1 }
          pos = after
        case .notHeader(let at):
          pos = at
        case .endOfInput:
          pos = n
        }
        completeHeader(i, known, headerEnd: pos, bodyStart: pos, bodyStartLine: lineNo)
        return
      }
      if let done = scanner.completed {
        record(done, &known, &stats)
        scanner.completed = nil
      }
      if buf[eol - 1] == ASCII.lf { lineNo += 1 }
      p = eol
    }
    record(scanner.finish(), &known, &stats)
    pos = n
    completeHeader(i, known, headerEnd: n, bodyStart: n, bodyStartLine: lineNo)
  }

  /// Applies a finished header: parses its MIME fields and decides whether the body is a
  /// container to descend into.
  private mutating func completeHeader(
    _ i: Int, _ known: KnownFields, headerEnd: Int, bodyStart: Int, bodyStartLine: Int
  ) {
    nodes[i].headerEnd = headerEnd
    nodes[i].bodyStart = bodyStart
    nodes[i].bodyStartLine = bodyStartLine
    let fields = PartFields(buf, known, inDigest: nodes[i].inDigest)
    nodes[i].fields = fields
    if nodes[i].isMessage { nodes[i].envelope = Envelope(buf, known, limits: limits) }
    current = i
    inHeader = false
    let type = fields.contentType
    if type.isMultipart {
      guard let boundary = fields.boundary, !boundary.isEmpty,
        boundary.count <= limits.maxBoundaryLength
      else {
        nodes[i].issue = .missingBoundary
        return
      }
      if nodes[i].depth >= limits.maxDepth {
        nodes[i].issue = .depthLimit
      } else if frozen {
        nodes[i].issue = .partLimit
      } else {
        nodes[i].kind = .multipart
        frames.append(Frame(node: i, boundary: boundary))
      }
    } else if type.isEncapsulatedMessage {
      if !fields.transferEncoding.isIdentity {
        nodes[i].issue = .encodedMessage
      } else if nodes[i].depth >= limits.maxDepth {
        nodes[i].issue = .depthLimit
      } else if frozen || nodes.count >= limits.maxParts {
        frozen = true
        nodes[i].issue = .partLimit
      } else {
        nodes[i].kind = .message
        let c = addNode(parent: i, isMessage: true, headerStart: bodyStart)
        current = c
        inHeader = true
      }
    }
  }

  private mutating func addNode(parent: Int, isMessage: Bool, headerStart: Int) -> Int {
    let digest =
      nodes[parent].kind == .multipart
      && nodes[parent].fields?.contentType.subtype == "digest"
    nodes.append(
      Node(
        parent: parent, depth: nodes[parent].depth + 1, isMessage: isMessage, inDigest: digest,
        headerStart: headerStart))
    let c = nodes.count - 1
    nodes[parent].children.append(c)
    return c
  }

  // MARK: - Bodies and boundaries

  private mutating func scanBody() {
    if frames.isEmpty || frozen {
      // Nothing can end this body but the end of input.
      let lf = buf.countLineFeeds(in: pos..<n)
      stats.bytesExamined += n - pos
      lineNo += lf
      pos = n
      return
    }
    var p = pos
    while p < n {
      if let match = matchBoundary(at: p) {
        handleBoundary(match, at: p)
        return
      }
      let eol = buf.lineEnd(from: p, end: n)
      stats.linesExamined += 1
      stats.bytesExamined += eol - p
      if buf[eol - 1] == ASCII.lf { lineNo += 1 }
      p = eol
    }
    pos = n
  }

  /// Whether the line at `p` is a delimiter of an open multipart: the innermost frame whose
  /// boundary follows "--" (a prefix match, as Postfix and Dovecot do, so trailing garbage
  /// after the boundary is tolerated), and whether it is the closing delimiter.
  private mutating func matchBoundary(at p: Int) -> (frame: Int, closing: Bool)? {
    guard !frozen, !frames.isEmpty, p + 2 < n, buf[p] == ASCII.dash, buf[p + 1] == ASCII.dash
    else { return nil }
    let available = n - p - 2
    let first = buf[p + 2]
    for k in stride(from: frames.count - 1, through: 0, by: -1) {
      stats.boundaryComparisons += 1
      let matched = frames[k].boundary.withUnsafeBytes { b in
        b.count <= available && b[0] == first
          && memcmp(buf.baseAddress! + p + 2, b.baseAddress!, b.count) == 0
      }
      guard matched else { continue }
      let after = p + 2 + frames[k].boundary.count
      let closing = after + 1 < n && buf[after] == ASCII.dash && buf[after + 1] == ASCII.dash
      if !closing && nodes.count >= limits.maxParts {
        // No room for another part: stop splitting and keep the rest as it is.
        frozen = true
        nodes[frames[k].node].issue = .partLimit
        return nil
      }
      return (k, closing)
    }
    return nil
  }

  /// Closes every part inside the matched multipart at the delimiter on line `p`, then opens
  /// the next part or, for the closing delimiter, moves to the epilogue.
  private mutating func handleBoundary(_ match: (frame: Int, closing: Bool), at p: Int) {
    let floor =
      nodes[current].fields == nil ? nodes[current].headerStart : nodes[current].bodyStart
    let (e, eLine) = cut(before: p, floor: floor)
    let target = frames[match.frame].node
    var j = current
    while j != target && j >= 0 {
      finalize(j, end: e, endLine: eLine)
      j = nodes[j].parent
    }
    frames.removeSubrange((match.frame + 1)...)
    let eol = buf.lineEnd(from: p, end: n)
    stats.linesExamined += 1
    stats.bytesExamined += eol - p
    if buf[eol - 1] == ASCII.lf { lineNo += 1 }
    pos = eol
    if match.closing {
      frames.removeLast()
      current = target
      inHeader = false
    } else {
      current = addNode(parent: target, isMessage: false, headerStart: eol)
      inHeader = true
    }
  }

  /// The position before the line break that precedes the line at `p` (that line break belongs
  /// to the delimiter, RFC 2046 §5.1.1), never before `floor`; and the line feeds before it.
  private func cut(before p: Int, floor: Int) -> (Int, Int) {
    var e = p
    var line = lineNo
    if e > floor && buf[e - 1] == ASCII.lf {
      e -= 1
      line -= 1
      if e > floor && buf[e - 1] == ASCII.cr { e -= 1 }
    }
    return (e, line)
  }

  /// Ends node `j`'s body at `end`; a node still in its header gets an empty body there.
  private mutating func finalize(_ j: Int, end: Int, endLine: Int) {
    if nodes[j].fields == nil {
      nodes[j].headerEnd = max(end, nodes[j].headerStart)
      nodes[j].bodyStart = nodes[j].headerEnd
      nodes[j].bodyStartLine = endLine
      let known = KnownFields()
      nodes[j].fields = PartFields(buf, known, inDigest: nodes[j].inDigest)
      if nodes[j].isMessage { nodes[j].envelope = Envelope(buf, known, limits: limits) }
    }
    let e = max(end, nodes[j].bodyStart)
    nodes[j].bodyEnd = e
    nodes[j].lineFeeds = e > nodes[j].bodyStart ? endLine - nodes[j].bodyStartLine : 0
  }

  // MARK: - Tree

  private func build(_ i: Int) -> MIMEPart {
    let node = nodes[i]
    let f = node.fields!
    let body = node.bodyStart..<node.bodyEnd
    let lines = node.lineFeeds + (body.isEmpty || buf[body.upperBound - 1] == ASCII.lf ? 0 : 1)
    var issue = node.issue
    let content: MIMEPart.Content
    switch node.kind {
    case .leaf:
      content = .single
    case .message:
      content = .message(build(node.children[0]))
    case .multipart:
      if node.children.isEmpty {
        // No delimiter line at all: show the body as one plain part rather than an invalid,
        // empty multipart (BODYSTRUCTURE needs at least one part).
        issue = issue ?? .noParts
        content = .multipart([
          MIMEPart(
            headerRange: node.bodyStart..<node.bodyStart, bodyRange: body, bodyLines: lines,
            contentType: .default, isContentTypeDefaulted: true, transferEncoding: .sevenBit,
            contentLanguage: [], content: .single)
        ])
      } else {
        content = .multipart(node.children.map(build))
      }
    }
    return MIMEPart(
      headerRange: node.headerStart..<node.headerEnd, bodyRange: body, bodyLines: lines,
      contentType: f.contentType, isContentTypeDefaulted: f.defaulted,
      transferEncoding: f.transferEncoding, contentID: f.contentID,
      contentDescription: f.contentDescription, contentMD5: f.contentMD5,
      contentLocation: f.contentLocation, contentLanguage: f.contentLanguage,
      disposition: f.disposition, envelope: node.envelope, content: content, issue: issue)
  }
}
