import MedSearchServer

extension RoleInstance {
    /// The arguments of `medsearch` that run this instance: `serve <role> --host ... --port ... --data-dir ...
    /// --tokens ... --log-level ... --name ...`, the TLS files (`--tls-ca`, `--tls-cert`, `--tls-key`, `--tls-revoked`) or
    /// `--insecure`, and the role's own options (the `serve` commands parse exactly
    /// these back into the same value). ``database`` is left out: it may hold a password, so launchers pass it in
    /// the child's environment (`MEDSEARCH_DATABASE_URL`).
    public var commandLine: [String] {
        var arguments = ["serve", role.rawValue, "--host", host, "--port", String(port), "--data-dir", dataDirectory,
                         "--tokens", tokenFile, "--log-level", logLevel, "--name", name]
        if let c2 = peers.c2 { arguments += ["--c2", c2] }
        if let file = peers.peerTokenFile { arguments += ["--peer-tokens", file] }
        if let batchSize = engine.batchSize { arguments += ["--batch-size", String(batchSize)] }
        if let order = engine.scanOrder { arguments += ["--order", order] }
        if let list = peers.nodeList { arguments += ["--nodes", list] }
        if let timeout = engine.nodeTimeoutMilliseconds { arguments += ["--node-timeout-ms", String(timeout)] }
        if let workers = peers.searchWorkers { arguments += ["--search-workers", workers] }
        if let threads = engine.threads { arguments += ["--threads", String(threads)] }
        if let tls {
            arguments += ["--tls-ca", tls.ca, "--tls-cert", tls.certificate, "--tls-key", tls.key]
            if let revoked = tls.revoked { arguments += ["--tls-revoked", revoked] }
        }
        if insecure { arguments.append("--insecure") }
        return arguments
    }
}
