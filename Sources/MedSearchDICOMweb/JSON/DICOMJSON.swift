import Foundation
import MedSearchCore
import MedSearchImaging

/// The DICOM JSON model (PS3.18 Annex F.2): data sets as JSON objects keyed by 8-digit upper-case tags.
///
/// ```swift
/// let text = DICOMJSON.encode([dataset])                 // application/dicom+json array
/// let datasets = try DICOMJSON.decode(Array(text.utf8))  // back to DICOMDataset values
/// ```
/// Encoding rules: attributes in tag order; `"vr"` always; `"Value"` omitted for empty values; text VRs as
/// strings (multiple values split at backslashes); IS and DS as JSON numbers; US, SS, UL, SL, FL, FD, SV, UV as
/// numbers; AT as 8-digit hex strings; PN as `{"Alphabetic": ..., "Ideographic": ..., "Phonetic": ...}`; SQ as
/// arrays of objects; binary VRs (OB, OW, OF, OD, OL, OV, UN) as `"InlineBinary"` base64, or as
/// `"BulkDataURI"` when ``BulkData`` names one. Group 0002 (file meta) and group lengths are never written.
/// The output is byte-for-byte deterministic (no whitespace), so tests pin it as golden text.
public enum DICOMJSON {
    /// How binary values are written.
    public enum BulkData: Sendable {
        /// Every binary value inline (base64).
        case inline
        /// Binary values omitted (QIDO-RS results carry none), only `"vr"` kept.
        case omit
        /// Binary values of at least `threshold` bytes replaced by the URI `uri(tag)`; smaller ones inline.
        case uri(threshold: Int, uri: @Sendable (DICOMTag) -> String)
    }

    // MARK: Encoding

    /// A JSON array of data sets (the body of a QIDO-RS or metadata response).
    public static func encode(_ datasets: [DICOMDataset], bulkData: BulkData = .inline) -> String {
        var out = "["
        for (index, dataset) in datasets.enumerated() {
            if index > 0 { out += "," }
            appendObject(dataset, bulkData: bulkData, to: &out)
        }
        return out + "]"
    }

    /// One data set as a JSON object.
    public static func encodeObject(_ dataset: DICOMDataset, bulkData: BulkData = .inline) -> String {
        var out = ""
        appendObject(dataset, bulkData: bulkData, to: &out)
        return out
    }

    static func appendObject(_ dataset: DICOMDataset, bulkData: BulkData, to out: inout String) {
        out += "{"
        var first = true
        for element in dataset.elements where element.tag.group != 0x0002 && element.tag.element != 0x0000 {
            if !first { out += "," }
            first = false
            out += "\"" + hexTag(element.tag) + "\":"
            appendAttribute(element, little: dataset.isLittleEndian, bulkData: bulkData, to: &out)
        }
        out += "}"
    }

    /// `GGGGEEEE` in upper-case hexadecimal.
    public static func hexTag(_ tag: DICOMTag) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for shift in stride(from: 28, through: 0, by: -4) { out.append(digits[Int((tag.rawValue >> UInt32(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func appendAttribute(_ element: DICOMElement, little: Bool, bulkData: BulkData, to out: inout String) {
        out += "{\"vr\":\"" + element.vr.rawValue + "\""
        switch element.value {
        case .sequence(let items):
            if !items.isEmpty {
                out += ",\"Value\":["
                for (index, item) in items.enumerated() {
                    if index > 0 { out += "," }
                    appendObject(item, bulkData: bulkData, to: &out)
                }
                out += "]"
            }
        case .fragments(let table, let fragments):
            appendBinary(element.tag, Array(table) + fragments.flatMap { Array($0) }, bulkData: bulkData, to: &out)
        case .bytes(let bytes):
            if !bytes.isEmpty { appendValue(element, bytes: bytes, little: little, bulkData: bulkData, to: &out) }
        }
        out += "}"
    }

    static func appendValue(_ element: DICOMElement, bytes: ArraySlice<UInt8>, little: Bool, bulkData: BulkData,
                            to out: inout String) {
        let dataset = DICOMDataset(elements: [element], isLittleEndian: little)
        switch element.vr {
        case .PN:
            let names = dataset.strings(element.tag)
            out += ",\"Value\":[" + names.map { name -> String in
                let groups = name.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
                var parts: [String] = []
                for (index, key) in ["Alphabetic", "Ideographic", "Phonetic"].enumerated()
                where index < groups.count && !groups[index].isEmpty {
                    parts.append("\"\(key)\":" + quoted(groups[index]))
                }
                return "{" + parts.joined(separator: ",") + "}"
            }.joined(separator: ",") + "]"
        case .IS, .DS:
            let values = dataset.strings(element.tag)
            out += ",\"Value\":[" + values.map { text -> String in
                guard !text.isEmpty, let number = Double(text), number.isFinite else { return "null" }
                return formatNumber(number)
            }.joined(separator: ",") + "]"
        case .AT:
            guard bytes.count % 4 == 0 else { return }
            let raw = Array(bytes)
            func word(_ index: Int) -> UInt16 {
                little ? UInt16(raw[index]) | UInt16(raw[index + 1]) << 8 : UInt16(raw[index]) << 8 | UInt16(raw[index + 1])
            }
            out += ",\"Value\":[" + stride(from: 0, to: raw.count, by: 4).map { i in
                "\"" + hexTag(DICOMTag(word(i), word(i + 2))) + "\""
            }.joined(separator: ",") + "]"
        case .US, .SS, .UL, .SL:
            guard let values = try? dataset.integers(element.tag) else { return }
            out += ",\"Value\":[" + values.map(String.init).joined(separator: ",") + "]"
        case .FL, .FD:
            guard let values = try? dataset.doubles(element.tag) else { return }
            out += ",\"Value\":[" + values.map { $0.isFinite ? formatNumber($0) : "null" }.joined(separator: ",") + "]"
        case .SV, .UV:
            guard bytes.count % 8 == 0 else { return }
            var values: [String] = []
            var index = bytes.startIndex
            while index < bytes.endIndex {
                var raw: UInt64 = 0
                for k in 0..<8 {
                    let byte = UInt64(bytes[index + k])
                    raw |= little ? byte << (8 * UInt64(k)) : byte << (8 * UInt64(7 - k))
                }
                values.append(element.vr == .SV ? String(Int64(bitPattern: raw)) : String(raw))
                index += 8
            }
            out += ",\"Value\":[" + values.joined(separator: ",") + "]"
        case .OB, .OW, .OF, .OD, .OL, .OV, .UN:
            var raw = Array(bytes)
            let unit = element.vr.byteSwapUnit
            if !little && unit > 1 && raw.count % unit == 0 {
                for start in stride(from: 0, to: raw.count, by: unit) { raw[start..<(start + unit)].reverse() }
            }
            appendBinary(element.tag, raw, bulkData: bulkData, to: &out)
        case .LT, .ST, .UT, .UR:
            // Single-valued: backslash is an ordinary character.
            out += ",\"Value\":[" + quoted(DICOMDataset(elements: [element], isLittleEndian: little).string(element.tag) ?? "") + "]"
        default:
            out += ",\"Value\":[" + dataset.strings(element.tag).map(quoted).joined(separator: ",") + "]"
        }
    }

    static func appendBinary(_ tag: DICOMTag, _ bytes: [UInt8], bulkData: BulkData, to out: inout String) {
        switch bulkData {
        case .omit:
            return
        case .inline:
            out += ",\"InlineBinary\":\"" + Data(bytes).base64EncodedString() + "\""
        case let .uri(threshold, uri):
            if bytes.count >= threshold {
                out += ",\"BulkDataURI\":" + quoted(uri(tag))
            } else {
                out += ",\"InlineBinary\":\"" + Data(bytes).base64EncodedString() + "\""
            }
        }
    }

    /// A number as JSON: integers without a fraction, others in the shortest form that reads back equal.
    static func formatNumber(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String { JSONText.quoted(text) }

    // MARK: Decoding

    /// The data sets of a DICOM JSON array (or of a single object).
    /// - Parameter maximumDepth: deepest sequence nesting accepted.
    /// - Throws: ``DICOMwebError/invalidJSON(_:)``.
    public static func decode(_ bytes: [UInt8], maximumDepth: Int = 32) throws -> [DICOMDataset] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) } catch {
            throw DICOMwebError.invalidJSON("not JSON")
        }
        if let array = root as? [Any] {
            return try array.map { item in
                guard let object = item as? [String: Any] else { throw DICOMwebError.invalidJSON("array item is not an object") }
                return try decodeObject(object, depth: 0, maximumDepth: maximumDepth)
            }
        }
        if let object = root as? [String: Any] { return [try decodeObject(object, depth: 0, maximumDepth: maximumDepth)] }
        throw DICOMwebError.invalidJSON("neither an array nor an object")
    }

    static func decodeObject(_ object: [String: Any], depth: Int, maximumDepth: Int) throws -> DICOMDataset {
        guard depth <= maximumDepth else { throw DICOMwebError.invalidJSON("sequences nested too deep") }
        var elements: [DICOMElement] = []
        for (key, value) in object {
            guard key.utf8.count == 8, let raw = UInt32(key, radix: 16) else {
                throw DICOMwebError.invalidJSON("key \(key.prefix(20)) is not an 8-digit tag")
            }
            let tag = DICOMTag(rawValue: raw)
            guard let attribute = value as? [String: Any], let vrName = attribute["vr"] as? String,
                  let vr = DICOMVR(rawValue: vrName) else {
                throw DICOMwebError.invalidJSON("attribute \(key) has no valid vr")
            }
            elements.append(DICOMElement(tag: tag, vr: vr,
                                         value: try decodeValue(attribute, tag: tag, vr: vr, depth: depth,
                                                                maximumDepth: maximumDepth)))
        }
        return DICOMDataset(elements: elements, isLittleEndian: true)
    }

    static func decodeValue(_ attribute: [String: Any], tag: DICOMTag, vr: DICOMVR, depth: Int,
                            maximumDepth: Int) throws -> DICOMValue {
        let key = hexTag(tag)
        if let inline = attribute["InlineBinary"] {
            guard let text = inline as? String, let data = Data(base64Encoded: text) else {
                throw DICOMwebError.invalidJSON("InlineBinary of \(key) is not base64")
            }
            return .bytes(ArraySlice(Array(data)))
        }
        if attribute["BulkDataURI"] != nil { return .bytes([]) }
        guard let raw = attribute["Value"] else {
            return vr == .SQ ? .sequence([]) : .bytes([])
        }
        guard let values = raw as? [Any] else { throw DICOMwebError.invalidJSON("Value of \(key) is not an array") }
        switch vr {
        case .SQ:
            return .sequence(try values.map { item in
                guard let object = item as? [String: Any] else { throw DICOMwebError.invalidJSON("item of \(key) is not an object") }
                return try decodeObject(object, depth: depth + 1, maximumDepth: maximumDepth)
            })
        case .PN:
            let names = try values.map { item -> String in
                if item is NSNull { return "" }
                guard let groups = item as? [String: Any] else { throw DICOMwebError.invalidJSON("PN value of \(key) is not an object") }
                var parts = ["Alphabetic", "Ideographic", "Phonetic"].map { groups[$0] as? String ?? "" }
                while parts.count > 1, parts.last == "" { parts.removeLast() }
                return parts.joined(separator: "=")
            }
            return text(names.joined(separator: "\\"))
        case .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV:
            let numbers = try values.map { item -> Double in
                guard let number = item as? NSNumber else {
                    throw DICOMwebError.invalidJSON("value of \(key) is not a number")
                }
                return number.doubleValue
            }
            return .bytes(ArraySlice(try binaryNumbers(numbers, vr: vr, key: key)))
        case .AT:
            var bytes: [UInt8] = []
            for item in values {
                guard let hex = item as? String, hex.utf8.count == 8, let raw = UInt32(hex, radix: 16) else {
                    throw DICOMwebError.invalidJSON("AT value of \(key) is not an 8-digit tag")
                }
                for word in [UInt16(raw >> 16), UInt16(raw & 0xFFFF)] { bytes += [UInt8(word & 0xFF), UInt8(word >> 8)] }
            }
            return .bytes(ArraySlice(bytes))
        default:
            let strings = try values.map { item -> String in
                if item is NSNull { return "" }
                if let string = item as? String { return string }
                if let number = item as? NSNumber { return formatNumber(number.doubleValue) }
                throw DICOMwebError.invalidJSON("value of \(key) is neither a string nor a number")
            }
            return text(strings.joined(separator: "\\"))
        }
    }

    private static func text(_ string: String) -> DICOMValue { .bytes(ArraySlice(Array(string.utf8))) }

    private static func binaryNumbers(_ numbers: [Double], vr: DICOMVR, key: String) throws -> [UInt8] {
        var out: [UInt8] = []
        func append(_ value: UInt64, _ count: Int) {
            for k in 0..<count { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
        }
        for number in numbers {
            switch vr {
            case .FL: append(UInt64(Float(number).bitPattern), 4)
            case .FD: append(number.bitPattern, 8)
            default:
                guard number == number.rounded(), abs(number) <= 9.2e18 else {
                    throw DICOMwebError.invalidJSON("value of \(key) is not an integer")
                }
                let value = Int64(number)
                let ranges: [DICOMVR: ClosedRange<Int64>] = [
                    .US: 0...0xFFFF, .SS: -0x8000...0x7FFF, .UL: 0...0xFFFF_FFFF, .SL: -0x8000_0000...0x7FFF_FFFF,
                ]
                if let range = ranges[vr], !range.contains(value) {
                    throw DICOMwebError.invalidJSON("value of \(key) is out of range for \(vr.rawValue)")
                }
                append(UInt64(bitPattern: value), vr == .US || vr == .SS ? 2 : vr == .UL || vr == .SL ? 4 : 8)
            }
        }
        return out
    }
}
