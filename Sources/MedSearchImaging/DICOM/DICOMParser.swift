/// Reads data elements from bytes: explicit or implicit VR, either byte order, nested sequences of defined
/// and undefined length, encapsulated pixel data.
///
/// Every length is checked against the bytes that remain before anything is sliced, so no length field can
/// make the parser allocate or read beyond the input; nesting is limited to the caller's
/// ``DecodeLimits/maxNestingDepth``.
struct DICOMParser {
    let bytes: [UInt8]
    /// The budget (sequence nesting is checked here; pixel sizes when decoding).
    let limits: DecodeLimits

    init(bytes: [UInt8], limits: DecodeLimits = .default) {
        self.bytes = bytes
        self.limits = limits
    }

    @inline(__always)
    func checkDepth(_ depth: Int) throws {
        do { try limits.checkNesting(format: "DICOM", depth: depth) } catch { throw DICOMError.limitExceeded(error) }
    }

    // MARK: Primitive reads

    @inline(__always)
    func require(_ offset: Int, _ count: Int, end: Int) throws {
        guard offset >= 0, count >= 0, offset <= end, end - offset >= count else {
            throw DICOMError.truncated(offset: offset, needed: count, available: max(0, end - offset))
        }
    }

    @inline(__always)
    func u16(_ offset: Int, little: Bool) -> UInt16 {
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return little ? a | b << 8 : a << 8 | b
    }

    @inline(__always)
    func u32(_ offset: Int, little: Bool) -> UInt32 {
        let a = UInt32(bytes[offset]), b = UInt32(bytes[offset + 1])
        let c = UInt32(bytes[offset + 2]), d = UInt32(bytes[offset + 3])
        return little ? a | b << 8 | c << 16 | d << 24 : a << 24 | b << 16 | c << 8 | d
    }

    @inline(__always)
    func tag(_ offset: Int, little: Bool) -> DICOMTag {
        DICOMTag(u16(offset, little: little), u16(offset + 2, little: little))
    }

    // MARK: Data sets

    /// The ways a data set parse ends.
    enum Terminator {
        /// At `end`.
        case end
        /// At an Item Delimitation Item (undefined-length item), which is consumed.
        case itemDelimiter
        /// Before the first element whose group differs from `group` (the file meta group).
        case groupChange(UInt16)
    }

    /// Parses elements from `offset` up to `end` (or a terminator); returns the data set and the offset after it.
    func parseDataset(from offset: Int, end: Int, explicit: Bool, little: Bool, depth: Int,
                      terminator: Terminator) throws -> (DICOMDataset, Int) {
        try checkDepth(depth)
        var elements = [DICOMElement]()
        var position = offset
        while position < end {
            try require(position, 4, end: end)
            let tag = self.tag(position, little: little)
            if case .groupChange(let group) = terminator, tag.group != group { break }
            if tag == .itemDelimitation {
                guard case .itemDelimiter = terminator else {
                    throw DICOMError.malformedSequence(tag: tag, offset: position, reason: "item delimiter outside an item")
                }
                try require(position, 8, end: end)
                return (DICOMDataset(elements: elements, isLittleEndian: little), position + 8)
            }
            if tag.group == 0xFFFE {
                throw DICOMError.malformedSequence(tag: tag, offset: position, reason: "unexpected item tag in a data set")
            }
            let (element, next) = try parseElement(at: position, end: end, explicit: explicit, little: little,
                                                   depth: depth)
            elements.append(element)
            position = next
        }
        if case .itemDelimiter = terminator {
            throw DICOMError.malformedSequence(tag: .item, offset: position, reason: "item without delimiter")
        }
        return (DICOMDataset(elements: elements, isLittleEndian: little), position)
    }

    /// Parses one element at `offset`.
    func parseElement(at offset: Int, end: Int, explicit: Bool, little: Bool, depth: Int) throws
        -> (DICOMElement, Int) {
        let tag = self.tag(offset, little: little)
        var vr: DICOMVR
        var length: UInt32
        var position: Int
        if explicit {
            try require(offset, 8, end: end)
            guard let parsed = DICOMVR(byte0: bytes[offset + 4], byte1: bytes[offset + 5]) else {
                throw DICOMError.invalidVR(tag: tag, offset: offset)
            }
            vr = parsed
            if vr.usesLongLength {
                try require(offset, 12, end: end)
                length = u32(offset + 8, little: little)
                position = offset + 12
            } else {
                length = UInt32(u16(offset + 6, little: little))
                position = offset + 8
            }
        } else {
            try require(offset, 8, end: end)
            length = u32(offset + 4, little: little)
            position = offset + 8
            vr = DICOMDictionary.vr(for: tag) ?? .UN
            if tag.group & 0xFF00 == 0x6000, tag.element == 0x3000 { vr = .OW }
        }

        if length == 0xFFFF_FFFF {
            if tag == .pixelData {
                let (fragments, next) = try parseFragments(from: position, end: end, little: little)
                return (DICOMElement(tag: tag, vr: vr == .UN ? .OB : vr, value: fragments), next)
            }
            if vr == .SQ || vr == .UN {
                // An undefined-length UN is a sequence encoded in implicit VR little endian (PS3.5 6.2.2).
                let itemsExplicit = vr == .SQ ? explicit : false
                let itemsLittle = vr == .SQ ? little : true
                let (items, next) = try parseItems(from: position, end: end, undefinedLength: true,
                                                   explicit: itemsExplicit, little: itemsLittle, depth: depth + 1)
                return (DICOMElement(tag: tag, vr: .SQ, value: .sequence(items)), next)
            }
            throw DICOMError.invalidLength(tag: tag, length: length, offset: offset)
        }

        let count = Int(length)
        guard count <= end - position else {
            throw DICOMError.invalidLength(tag: tag, length: length, offset: offset)
        }
        let valueEnd = position + count
        if vr == .SQ {
            let (items, _) = try parseItems(from: position, end: valueEnd, undefinedLength: false,
                                            explicit: explicit, little: little, depth: depth + 1)
            return (DICOMElement(tag: tag, vr: .SQ, value: .sequence(items)), valueEnd)
        }
        if vr == .UN, count >= 8 {
            // A value starting with an item tag is a sequence the writer did not know: in an implicit-VR data set
            // encoded like the rest, in an explicit-VR one (VR UN) in implicit VR little endian (PS3.5 6.2.2).
            let itemsLittle = explicit ? true : little
            if looksLikeItem(at: position, little: itemsLittle),
               let (items, _) = try? parseItems(from: position, end: valueEnd, undefinedLength: false,
                                                explicit: false, little: itemsLittle, depth: depth + 1) {
                return (DICOMElement(tag: tag, vr: .SQ, value: .sequence(items)), valueEnd)
            }
        }
        return (DICOMElement(tag: tag, vr: vr, value: .bytes(bytes[position..<valueEnd])), valueEnd)
    }

    private func looksLikeItem(at offset: Int, little: Bool) -> Bool {
        offset + 4 <= bytes.count && tag(offset, little: little) == .item
    }

    /// Parses the items of a sequence; with `undefinedLength` up to and including the Sequence Delimitation Item.
    func parseItems(from offset: Int, end: Int, undefinedLength: Bool, explicit: Bool, little: Bool,
                    depth: Int) throws -> ([DICOMDataset], Int) {
        try checkDepth(depth)
        var items = [DICOMDataset]()
        var position = offset
        while true {
            if !undefinedLength && position >= end { return (items, position) }
            try require(position, 8, end: end)
            let tag = self.tag(position, little: little)
            let length = u32(position + 4, little: little)
            if tag == .sequenceDelimitation {
                guard undefinedLength else {
                    throw DICOMError.malformedSequence(tag: tag, offset: position, reason: "delimiter in a defined-length sequence")
                }
                return (items, position + 8)
            }
            guard tag == .item else {
                throw DICOMError.malformedSequence(tag: tag, offset: position, reason: "expected an item")
            }
            let itemStart = position + 8
            if length == 0xFFFF_FFFF {
                let (item, next) = try parseDataset(from: itemStart, end: end, explicit: explicit, little: little,
                                                    depth: depth, terminator: .itemDelimiter)
                items.append(item)
                position = next
            } else {
                let count = Int(length)
                guard count <= end - itemStart else {
                    throw DICOMError.invalidLength(tag: tag, length: length, offset: position)
                }
                let (item, _) = try parseDataset(from: itemStart, end: itemStart + count, explicit: explicit,
                                                 little: little, depth: depth, terminator: .end)
                items.append(item)
                position = itemStart + count
            }
        }
    }

    /// Parses encapsulated pixel data: the Basic Offset Table item, then fragment items, then the delimiter.
    func parseFragments(from offset: Int, end: Int, little: Bool) throws -> (DICOMValue, Int) {
        var position = offset
        var table: ArraySlice<UInt8>?
        var fragments = [ArraySlice<UInt8>]()
        while true {
            try require(position, 8, end: end)
            let tag = self.tag(position, little: little)
            let length = u32(position + 4, little: little)
            if tag == .sequenceDelimitation {
                return (.fragments(offsetTable: table ?? [], fragments: fragments), position + 8)
            }
            guard tag == .item else {
                throw DICOMError.malformedSequence(tag: .pixelData, offset: position, reason: "expected a fragment item")
            }
            let count = Int(length)
            guard length != 0xFFFF_FFFF, count <= end - position - 8 else {
                throw DICOMError.invalidLength(tag: .pixelData, length: length, offset: position)
            }
            let value = bytes[(position + 8)..<(position + 8 + count)]
            if table == nil { table = value } else { fragments.append(value) }
            position += 8 + count
        }
    }
}
