/// JSON text written by hand (fixed key orders, canonical output) without Foundation's encoder.
public enum JSONText {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped (RFC 8259).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: false)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Searching byte buffers (multipart boundaries and similar delimiters).
public enum ByteSearch {
    /// The first index of `needle` in `haystack` at or after `start`, or nil (also for an empty needle).
    public static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        let first = needle[0]
        return haystack.withUnsafeBufferPointer { buffer -> Int? in
            var index = start
            let last = buffer.count - needle.count
            while index <= last {
                if buffer[index] == first {
                    var match = true
                    for offset in 1..<needle.count where buffer[index + offset] != needle[offset] {
                        match = false
                        break
                    }
                    if match { return index }
                }
                index += 1
            }
            return nil
        }
    }
}
