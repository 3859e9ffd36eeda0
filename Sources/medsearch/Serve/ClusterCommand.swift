import ArgumentParser
import Foundation
import MedSearchDeployment
import MedSearchServer
import UnixSignals

/// `medsearch cluster up|status|down --config deploy.yaml`: every role of a deployment file on this machine.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Start, watch, query and stop every role of a deployment file on this machine.",
        discussion: """
            A deployment file (YAML) names every role: its role, name, host and port, data directory, database, \
            and TLS files (by default <pki>/<name>.pem and .key, <pki>/ca.pem and <pki>/revoked.txt), the token \
            table, trustmed.threshold (m; n is the number of storage nodes) and FNN's parameters. `cluster up` \
            starts them all as separate processes (issuing missing role certificates when <pki>/ca.key is \
            present), restarts any that exits, and stops them all on SIGTERM or Ctrl-C; `cluster down` asks a \
            running `cluster up` to stop; `cluster status` asks every role for /healthz and /readyz. On several \
            machines run `medsearch serve --config deploy.yaml --name <name>` on each instead.
            """,
        subcommands: [Up.self, Status.self, Down.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start every role and watch them until SIGTERM or Ctrl-C.")

        @Option(help: "The deployment file.") var config: String
        @Option(help: "Start only these roles (comma-separated names).") var only: String?

        func run() async throws {
            let deployment = try DeploymentFile.load(URL(fileURLWithPath: config))
            let names = only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            if DeploymentCluster.isUp(deployment) {
                throw ValidationError("deployment \(deployment.file.name) is already up: run `cluster down` first")
            }
            let cluster = try await DeploymentCluster.up(deployment, executable: try MedSearchExecutable.current(), only: names)
            for role in cluster.roles {
                print("\(role.instance.name)\t\(role.instance.role.rawValue)\t\(role.url)\tpid \(role.pid ?? 0)\tlog \(role.logFile?.path ?? "")")
            }
            try cluster.recordState()
            print("deployment \(deployment.file.name): \(cluster.roles.count) roles up")
            fflush(nil)  // every output stream: the roles table reaches a pipe now
            let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await cluster.watch { line in FileHandle.standardError.write(Data("cluster: \(line)\n".utf8)) }
                }
                group.addTask { for await _ in signals { return } }
                _ = await group.next()
                group.cancelAll()
            }
            await cluster.down()
            try? FileManager.default.removeItem(at: DeploymentCluster.stateFile(deployment))
            print("deployment \(deployment.file.name): stopped")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask every role for /healthz and /readyz.")

        @Option(help: "The deployment file.") var config: String

        func run() async throws {
            let deployment = try DeploymentFile.load(URL(fileURLWithPath: config))
            let statuses = await DeploymentCluster.status(deployment)
            for status in statuses {
                print("\(status.name)\t\(status.role.rawValue)\t\(status.url)\t\(status.alive ? "alive" : "down")\t\(status.readiness)")
            }
            let ready = statuses.filter(\.ready).count
            print("\(ready) of \(statuses.count) roles ready")
            if ready < statuses.count { throw ExitCode(3) }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the roles a `cluster up` started.")

        @Option(help: "The deployment file.") var config: String

        func run() async throws {
            let deployment = try DeploymentFile.load(URL(fileURLWithPath: config))
            if try await DeploymentCluster.stopRunning(deployment) {
                print("deployment \(deployment.file.name): stopped")
            } else {
                print("deployment \(deployment.file.name): no running cluster found")
            }
        }
    }
}
