import SMTPCore
import Testing

@Suite struct BDATDecoderTests {
  @Test func chunksMakeOneMessage() {
    var decoder = BDATDecoder()
    var out: [UInt8] = []
    decoder.beginChunk(size: 5, last: false)
    let stream = bytes("Hello, BDAT 7 LAST\r\n")
    var p = decoder.decode(stream, into: &out)
    #expect(p == BDATDecoder.Progress(consumed: 5, isChunkComplete: true, isMessageComplete: false))
    // The command after the chunk stays for the command parser.
    #expect(Array(stream[p.consumed...]) == bytes(", BDAT 7 LAST\r\n"))
    decoder.beginChunk(size: 7, last: true)
    p = decoder.decode(bytes(" world\n"), into: &out)
    #expect(p == BDATDecoder.Progress(consumed: 7, isChunkComplete: true, isMessageComplete: true))
    #expect(out == bytes("Hello world\n"))
    #expect(decoder.chunkCount == 2)
    // BDAT takes bytes verbatim; facts still see the bare LF for the server to judge.
    #expect(decoder.facts.hasBareLF)
    #expect(decoder.facts.size == 12)
  }

  @Test func zeroLengthLastChunkEndsTheMessage() {
    var decoder = BDATDecoder()
    var out: [UInt8] = []
    decoder.beginChunk(size: 4, last: false)
    _ = decoder.decode(bytes("ab\r\n"), into: &out)
    decoder.beginChunk(size: 0, last: true)
    #expect(decoder.isMessageComplete)
    #expect(decoder.decode(bytes("QUIT\r\n"), into: &out).consumed == 0)
    #expect(out == bytes("ab\r\n"))
    #expect(decoder.facts.longestLine == 2)
  }

  @Test func dripFedChunkGivesTheSameResult() {
    let payload = bytes("Received: a\r\n\r\n.\r\n..x\r\n")
    var whole = BDATDecoder()
    var wholeOut: [UInt8] = []
    whole.beginChunk(size: payload.count, last: true)
    _ = whole.decode(payload + bytes("NOOP\r\n"), into: &wholeOut)
    #expect(wholeOut == payload)
    var drip = BDATDecoder()
    var dripOut: [UInt8] = []
    drip.beginChunk(size: payload.count, last: true)
    for b in payload + bytes("NOOP\r\n") where !drip.isMessageComplete {
      _ = drip.decode([b], into: &dripOut)
    }
    #expect(dripOut == wholeOut)
    #expect(drip.facts == whole.facts)
    #expect(whole.facts.receivedCount == 1)
  }

  @Test func refusedChunkIsConsumedAndDropped() {
    var decoder = BDATDecoder()
    var out: [UInt8] = []
    decoder.beginDiscard(size: 6)
    let p = decoder.decode(bytes("secretRSET\r\n"), into: &out)
    #expect(p.consumed == 6)
    #expect(p.isChunkComplete && !p.isMessageComplete)
    #expect(out.isEmpty)
    #expect(decoder.facts.size == 0)
    #expect(decoder.chunkCount == 0)
  }

  @Test func storageLimitStopsStoringButCountsOn() {
    var decoder = BDATDecoder(storageLimit: 3)
    var out: [UInt8] = []
    decoder.beginChunk(size: 10, last: true)
    let p = decoder.decode(bytes("0123456789"), into: &out)
    #expect(p.isMessageComplete)
    #expect(out == bytes("012"))
    #expect(decoder.exceedsStorageLimit)
    #expect(decoder.facts.size == 10)
  }
}
