import MedSearchCore

/// A strict `multipart/form-data` parser (RFC 7578) for uploads held in memory.
enum MultipartParser {
    /// The boundary parameter of a `multipart/form-data` content type.
    static func boundary(fromContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else {
                continue
            }
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Splits `body` into fields and files.
    static func parse(_ body: [UInt8], boundary: String) throws -> FormInput {
        let delimiter = Array(("--" + boundary).utf8)
        var form = FormInput(fields: [:], files: [])
        guard var position = find(delimiter, in: body, from: 0) else { throw WebError.badForm("no multipart parts") }
        while true {
            position += delimiter.count
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") {
                return form  // closing delimiter
            }
            guard body.count >= position + 2, body[position] == 13, body[position + 1] == 10 else {
                throw WebError.badForm("malformed multipart delimiter")
            }
            position += 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: position) else {
                throw WebError.badForm("multipart part without headers")
            }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find([13, 10] + delimiter, in: body, from: contentStart) else {
                throw WebError.badForm("multipart part is not terminated")
            }
            let content = Array(body[contentStart..<next])
            let (name, fileName) = disposition(headers)
            guard let name else { throw WebError.badForm("multipart part without a name") }
            if let fileName {
                if !fileName.isEmpty || !content.isEmpty {
                    form.files.append(UploadedFile(field: name, fileName: fileName, bytes: content))
                }
            } else {
                form.fields[name, default: []].append(String(decoding: content, as: UTF8.self))
            }
            position = next + 2
        }
    }

    /// The `name` and `filename` parameters of a part's Content-Disposition header.
    static func disposition(_ headers: String) -> (name: String?, fileName: String?) {
        var name: String?
        var fileName: String?
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for parameter in line.split(separator: ";").dropFirst() {
                let parts = parameter.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let key = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
                var value = parts[1].trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                value = value.replacingOccurrences(of: "%22", with: "\"")
                if key == "name" { name = value } else if key == "filename" { fileName = value }
            }
        }
        return (name, fileName)
    }

    /// The first index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        ByteSearch.firstIndex(of: needle, in: haystack, from: start)
    }
}
