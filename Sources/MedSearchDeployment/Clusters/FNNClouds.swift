import Foundation
import MedSearchServer
import MedSearchTransport

/// FNN's two non-colluding clouds on one machine: C2 and C1 (which talks to C2), each its own role with its own
/// data directory under `directory`, accepting one token table (owner, user, admin, and C1's own token).
public final class FNNClouds: Sendable {
    /// Cloud C1.
    public let c1: RunningRole
    /// Cloud C2.
    public let c2: RunningRole
    /// The tokens every role accepts.
    public let tokens: IssuedTokens
    /// How its connections are protected.
    public let security: TransportSecurity

    init(c1: RunningRole, c2: RunningRole, tokens: IssuedTokens, security: TransportSecurity) {
        self.c1 = c1
        self.c2 = c2
        self.tokens = tokens
        self.security = security
    }

    /// Starts C2, then C1 pointed at it (TLS between them and with every client unless `security` says
    /// otherwise; nil: the launcher's, else a PKI in `directory/pki`).
    public static func launch(_ launcher: RoleLauncher, directory: URL, engine: RoleInstance.EngineParameters = .init(),
                              security: TransportSecurity? = nil) async throws -> FNNClouds {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let security = try security ?? launcher.security ?? .localTLS(in: directory)
        let launcher = launcher.with(security: security)
        let tokens = try IssuedTokens.issue([.owner, .user, .fnnC1, .fnnC2, .admin],
                                            writingTo: directory.appendingPathComponent("tokens.json"))
        let c2 = try await launcher.start(RoleInstance(role: .fnnC2, name: "c2",
                                                       dataDirectory: directory.appendingPathComponent("c2").path,
                                                       tokenFile: tokens.file.path))
        do {
            let c1 = try await launcher.start(RoleInstance(role: .fnnC1, name: "c1",
                                                           dataDirectory: directory.appendingPathComponent("c1").path,
                                                           tokenFile: tokens.file.path, engine: engine,
                                                           peers: .init(c2: c2.url)))
            return FNNClouds(c1: c1, c2: c2, tokens: tokens, security: security)
        } catch {
            await c2.stop()
            throw error
        }
    }

    /// Clients of C1 and C2 presenting `role`'s token.
    public func clients(role: ServiceRole, configuration: ClientConfiguration = .standard) throws
        -> (c1: ServiceClient, c2: ServiceClient) {
        let token = try tokens.token(role)
        let configuration = try security.clientConfiguration(role, configuration)
        return (c1.client(token: token, configuration: configuration), c2.client(token: token, configuration: configuration))
    }

    /// Stops both clouds.
    public func stop() async {
        await c1.stop()
        await c2.stop()
    }
}

/// The SEI cloud on one machine: one role with its data directory under `directory`.
public final class SEICloud: Sendable {
    /// The cloud server.
    public let server: RunningRole
    /// The tokens it accepts (owner, user, admin).
    public let tokens: IssuedTokens
    /// How its connections are protected.
    public let security: TransportSecurity

    init(server: RunningRole, tokens: IssuedTokens, security: TransportSecurity) {
        self.server = server
        self.tokens = tokens
        self.security = security
    }

    /// Starts the cloud (TLS unless `security` says otherwise; nil: the launcher's, else a PKI in
    /// `directory/pki`).
    public static func launch(_ launcher: RoleLauncher, directory: URL,
                              security: TransportSecurity? = nil) async throws -> SEICloud {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let security = try security ?? launcher.security ?? .localTLS(in: directory)
        let launcher = launcher.with(security: security)
        let tokens = try IssuedTokens.issue([.owner, .user, .admin], writingTo: directory.appendingPathComponent("tokens.json"))
        let server = try await launcher.start(RoleInstance(role: .sei, name: "sei",
                                                           dataDirectory: directory.appendingPathComponent("cloud").path,
                                                           tokenFile: tokens.file.path))
        return SEICloud(server: server, tokens: tokens, security: security)
    }

    /// A client of the cloud presenting `role`'s token.
    public func client(role: ServiceRole, configuration: ClientConfiguration = .standard) throws -> ServiceClient {
        server.client(token: try tokens.token(role), configuration: try security.clientConfiguration(role, configuration))
    }

    /// Stops the cloud.
    public func stop() async { await server.stop() }
}
