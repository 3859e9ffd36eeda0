import NIOSSL

/// Turns the TLS library's errors into one sentence saying which side refused what.
enum TLSErrorReason {
    /// The reason for a TLS failure, or nil when `error` is not one.
    static func explain(_ error: any Error) -> String? {
        let text: String
        switch error {
        case let error as NIOSSLError: text = String(describing: error)
        case let error as BoringSSLError: text = String(describing: error)
        case is NIOSSLExtraError: text = String(describing: error)
        default: return nil
        }
        let upper = text.uppercased()
        let known: [(String, String)] = [
            ("CERTIFICATE_VERIFY_FAILED", "the server's certificate is not valid for this deployment "
                + "(not issued by its CA, expired, or not issued for this address)"),
            ("CERTIFICATE_REQUIRED", "the server requires a client certificate and none was presented"),
            ("PEER_DID_NOT_RETURN_A_CERTIFICATE", "the server requires a client certificate and none was presented"),
            ("UNKNOWN_CA", "the server does not trust this client's certificate (another CA)"),
            ("CERTIFICATE_EXPIRED", "the server refused this client's certificate as expired"),
            ("CERTIFICATE_REVOKED", "the server refused this client's certificate as revoked"),
            ("BAD_CERTIFICATE", "the server refused this client's certificate "
                + "(another CA, expired, revoked or without a role: see the server's log)"),
            ("CERTIFICATE_UNKNOWN", "the server refused this client's certificate "
                + "(another CA, expired, revoked or without a role: see the server's log)"),
            ("HANDSHAKE_FAILURE", "the TLS handshake failed (the server may not offer TLS 1.3)"),
            ("PROTOCOL_VERSION", "the peer does not speak TLS 1.3"),
            ("WRONG_VERSION_NUMBER", "the peer does not speak TLS (a plain-HTTP server?)"),
        ]
        for (marker, sentence) in known where upper.contains(marker) { return sentence }
        let line = text.split(separator: "\n").first.map(String.init) ?? "TLS error"
        return "TLS error: \(line.prefix(300))"
    }
}
