import MedSearchCore
import Testing

@Suite struct TextAndBytesTests {
    @Test func jsonStringsEscapeQuotesBackslashesAndControls() {
        #expect(JSONText.quoted("plain") == "\"plain\"")
        #expect(JSONText.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(JSONText.quoted("line\nfeed\r\ttab") == "\"line\\nfeed\\r\\ttab\"")
        #expect(JSONText.quoted("\u{01}\u{1F}") == "\"\\u0001\\u001f\"")
        #expect(JSONText.quoted("Zürich ✓") == "\"Zürich ✓\"")
    }

    @Test func byteSearchFindsTheFirstMatchAtOrAfterStart() {
        let haystack = Array("--b\r\nxx--b\r\n--b--".utf8)
        let needle = Array("--b".utf8)
        #expect(ByteSearch.firstIndex(of: needle, in: haystack, from: 0) == 0)
        #expect(ByteSearch.firstIndex(of: needle, in: haystack, from: 1) == 7)
        #expect(ByteSearch.firstIndex(of: needle, in: haystack, from: 8) == 12)
        #expect(ByteSearch.firstIndex(of: needle, in: haystack, from: haystack.count - 2) == nil)
        #expect(ByteSearch.firstIndex(of: [], in: haystack, from: 0) == nil)
        #expect(ByteSearch.firstIndex(of: needle, in: [], from: 0) == nil)
        #expect(ByteSearch.firstIndex(of: needle, in: haystack, from: -1) == nil)
        #expect(ByteSearch.firstIndex(of: [13, 10, 13, 10], in: haystack, from: 0) == nil)
    }
}
