import Dispatch
import Experiments
import MailAgent
import MailDialects
import MailSockets

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `mailpath serve`: a real server for any dialect, on 127.0.0.1 unless asked otherwise.
enum ServeCommand: Subcommand {
    static let spec = CommandSpec(
        name: "serve", abstract: "Serve a dialect on a real TCP socket (127.0.0.1 by default).",
        discussion: """
            The receiver engines of the simulator on a real socket: talk to a 1981 MTP server with \
            nc -C (lines end in CR LF; a bare LF gets 500), or deliver to it with any SMTP client. \
            Mail for --domain is stored in --mailbox-dir as one Maildir per recipient \
            (DIR/joe/new/), with Return-Path: and the dialect's own trace line; the final dot is \
            answered 250 only once the text is flushed to disk. Read the mail with any Maildir \
            reader (mutt -f DIR/joe, Dovecot, Python's mailbox.Maildir). With --store mbox each \
            recipient has one mbox file instead (DIR/joe, mboxrd), which takes mail faster: an \
            append, not a new file, per message. Nothing is relayed. Each \
            client address may hold --max-per-address connections; when the slots run short, idle \
            sessions are closed sooner, and the longest idle one makes room for a new client. \
            SIGINT or SIGTERM: 421 to connected clients, then exit 0.

            With --hosts FILE and --host-name NAME the server is host NAME of a host table and \
            runs the simulator's mail agent: mail for NAME is delivered to Maildirs, other mail is \
            queued on disk (DIR/.queue) and relayed by source route through the table's gateways, \
            each relay rewriting the paths as its dialect does (mtp780, smtp788, smtp821). A line \
            of FILE is NAME ADDRESS:PORT NETWORKS [relay]; see Docs/examples/relay-hosts.txt.
            """,
        options: [
            .option(
                "dialect", value: "dialect",
                help: "ftp765, mtp772, mtp780, smtp788, smtp821, smtp1123, esmtp, smtp2821 or smtp5321."),
            .option(
                "listen", value: "ADDR:PORT", help: "Where to listen; [::1]:2525 for IPv6.", default: "127.0.0.1:2525"),
            .option(
                "domain", value: "NAME", help: "The mail domain this server accepts mail for.", default: "localhost"),
            .option(
                "mailbox-dir", value: "DIR", help: "Where the recipients' Maildirs (or mbox files) are.",
                default: "mailbox"),
            .option(
                "store", value: "FORMAT", help: "maildir (a folder a recipient) or mbox (a file a recipient).",
                default: "maildir"),
            .option("max-connections", value: "N", help: "Connections served at once; more get 421.", default: "100"),
            .option("max-per-address", value: "N", help: "Connections one client address may hold.", default: "50"),
            .option(
                "max-size", value: "BYTES", help: "Largest message (announced with SIZE where the dialect has it).",
                default: "10000000"),
            .option(
                "timeout", value: "SECONDS", help: "How long to wait for each command before 421 (RFC 2821 §4.5.3.2).",
                default: "300"),
            .option("hosts", value: "FILE", help: "A host table: relay with the mail agent (needs --host-name)."),
            .option("host-name", value: "NAME", help: "This server's host in the --hosts table."),
            .flag("transcript", help: "Log every command and reply to standard error."),
        ],
        examples: [
            "mailpath serve --dialect mtp780 --listen 127.0.0.1:5757   # then: nc -C 127.0.0.1 5757",
            "mailpath serve --dialect smtp821 --hosts Docs/examples/relay-hosts.txt --host-name D --listen 127.0.0.1:2602 --mailbox-dir D",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        guard let dialectName = arguments.value("dialect") else {
            throw CLIError.usage("'serve' needs --dialect (see 'mailpath dialects')")
        }
        let dialect = try DialectsCommand.dialect(named: dialectName)
        let listen = try HostAndPort(arguments.value("listen") ?? "127.0.0.1:2525", option: "listen")
        var configuration = MailServer.Configuration(
            dialect: dialect, mailboxDirectory: arguments.value("mailbox-dir") ?? "mailbox")
        configuration.host = listen.host
        configuration.port = listen.port
        configuration.domain = arguments.value("domain") ?? "localhost"
        configuration.maxConnections = try arguments.integer("max-connections", default: 100, in: 1...100_000)
        configuration.maxConnectionsPerAddress = try arguments.integer("max-per-address", default: 50, in: 1...100_000)
        configuration.maxMessageSize = try arguments.integer("max-size", default: 10_000_000, in: 1...Int(Int32.max))
        configuration.commandTimeout = .seconds(try arguments.integer("timeout", default: 300, in: 1...86_400))
        let storeName = arguments.value("store") ?? "maildir"
        guard let store = MailServer.StoreFormat(rawValue: storeName) else {
            throw CLIError.usage("--store takes maildir or mbox, not \(storeName)")
        }
        configuration.store = store
        if let file = arguments.value("hosts") {
            guard store == .maildir else {
                throw CLIError.usage("--hosts keeps its queue and local mail in Maildirs; leave out --store mbox")
            }
            guard let name = arguments.value("host-name") else {
                throw CLIError.usage("--hosts needs --host-name: which host of the table this server is")
            }
            guard [.mtp772, .mtp780, .smtp788, .smtp821].contains(dialect) else {
                throw CLIError.usage(
                    "--hosts relays by source route, which \(dialect.rawValue) does not do; use mtp780, smtp788 or smtp821 (the MX era needs DNS, which live mode does not have)"
                )
            }
            let text: String
            switch FileText.readText(file) {
            case .success(let read): text = read
            case .failure(let failure): throw CLIError.data("\(file): \(failure.reason)")
            }
            let hosts: HostDirectory
            do {
                hosts = try LiveHostTable.parse(text)
            } catch {
                throw CLIError.data("\(file): \(error)")
            }
            guard hosts.entry(name) != nil else { throw CLIError.data("\(file): no host named \(name) (--host-name)") }
            configuration.relay = (name, hosts)
            if arguments.value("domain") == nil { configuration.domain = name }
        } else if arguments.value("host-name") != nil {
            throw CLIError.usage("--host-name is this server's host in a --hosts table; give --hosts too")
        }
        if arguments.flag("transcript") {
            let console = context.console
            configuration.transcript = { line in console.err(line + "\n") }
        }
        let server = MailServer(configuration)
        do {
            try server.bind()
        } catch {
            throw CLIError.failure("\(error)")
        }
        // SIGINT and SIGTERM stop the loop; it answers 421 and exits 0.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { server.stop() }
            source.resume()
            return source
        }
        context.console.err(
            "mailpath: serving \(dialect.rawValue) for \(configuration.domain) on \(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(server.boundPort); mail goes to \(store == .mbox ? "mbox files" : "Maildirs") in \(configuration.mailboxDirectory)\n"
        )
        server.run()
        sources.forEach { $0.cancel() }
        context.console.err(
            "mailpath: stopped; \(server.deliveredCount) message cop\(server.deliveredCount == 1 ? "y" : "ies") stored\n"
        )
        return .success
    }
}
