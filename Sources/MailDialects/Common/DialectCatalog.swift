import MailCore

/// One command of a dialect, for references and `mailpath dialects`.
public struct CommandInfo: Hashable, Sendable {
    public var syntax: String
    /// Where the RFC defines it, such as "RFC 821 §4.1.1".
    public var section: String
    public var summary: String
}

/// What a dialect is, in facts a reader can check against the RFC.
public struct DialectDescriptor: Hashable, Sendable {
    public var id: DialectID
    public var title: String
    public var rfcs: String
    public var date: String
    public var year: Int
    public var summary: String
    public var routeForm: String
    public var limits: String
    public var commands: [CommandInfo]
    public var replyCodes: [Int]
    public var extensions: [String]
    public var bytes: String
    /// Places where the RFC's own text is odd, and what Mailpath does about it.
    public var oddities: [String]
    /// How to cite the dialect's trace field.
    public var trace: String
}

/// The catalog of dialects: the facts behind `mailpath dialects` and Docs/dialects.md.
public enum Dialects {
    public static var all: [DialectDescriptor] { DialectID.allCases.map(descriptor) }

    public static func descriptor(_ id: DialectID) -> DialectDescriptor {
        switch id {
        case .ftp765: ftp765
        case .mtp772: mtp772
        case .mtp780: mtp780
        case .smtp788: smtp788
        case .smtp821: smtp821
        case .smtp1123: smtp1123
        case .esmtp: esmtp
        case .smtp2821: smtp2821
        case .smtp5321: smtp5321
        }
    }

    /// Looks a dialect up by name, ignoring case.
    public static func named(_ name: String) -> DialectID? { DialectID(rawValue: name.lowercased()) }

    static let historicalBytes =
        "Lines end with CR LF (type with `nc -C`): a command ended by a bare LF gets 500, a text with a bare LF is refused at its end; NUL or 8-bit bytes in a command get 500; message text keeps NUL and has its high bit cleared (\"7-bit ASCII\")."
    static let modernBytes =
        "Lines end with CR LF (type with `nc -C`): a command ended by a bare LF gets 500, a text with a bare LF is refused with 554 at its end; NUL or 8-bit bytes in a command get 500; message text keeps all eight bits."

    static func smtpCommands(_ rfc: String, semantics: String, turn: Bool, ehlo: Bool) -> [CommandInfo] {
        var commands: [CommandInfo] = []
        if ehlo {
            commands.append(
                CommandInfo(
                    syntax: "EHLO <SP> <domain>", section: "RFC 1869 §4",
                    summary: "greet and ask for the server's extensions (250 with one keyword per line)"))
        }
        commands += [
            CommandInfo(
                syntax: "HELO <SP> <domain>", section: "\(rfc) \(semantics)",
                summary: "greet; both sides return to the initial state"),
            CommandInfo(
                syntax: "MAIL <SP> FROM:<reverse-path>", section: "\(rfc) \(semantics)",
                summary: "start a transaction; clears the buffers"),
            CommandInfo(
                syntax: "RCPT <SP> TO:<forward-path>", section: "\(rfc) \(semantics)",
                summary: "add one recipient (may be a source route)"),
            CommandInfo(
                syntax: "DATA", section: "\(rfc) \(semantics)",
                summary: "354, then the text, ended by a line holding only \".\""),
            CommandInfo(syntax: "RSET", section: "\(rfc) \(semantics)", summary: "abort the transaction"),
            CommandInfo(
                syntax: "SEND / SOML / SAML <SP> FROM:<reverse-path>", section: "\(rfc) §3.4",
                summary: "to the terminal; terminal or mailbox; terminal and mailbox"),
            CommandInfo(syntax: "VRFY <SP> <string>", section: "\(rfc) §3.3", summary: "verify a user name"),
            CommandInfo(
                syntax: "EXPN <SP> <string>", section: "\(rfc) §3.3",
                summary: "expand a mailing list, one mailbox per line"),
            CommandInfo(syntax: "HELP [<SP> <string>]", section: "\(rfc) \(semantics)", summary: "214 with help text"),
            CommandInfo(syntax: "NOOP", section: "\(rfc) \(semantics)", summary: "250 OK, nothing else"),
            CommandInfo(syntax: "QUIT", section: "\(rfc) \(semantics)", summary: "221, then the receiver closes"),
        ]
        if turn {
            commands.append(
                CommandInfo(
                    syntax: "TURN", section: "RFC 821 §3.8",
                    summary: "swap sender and receiver roles (250), or refuse (502)"))
        }
        return commands
    }

    static let ftp765 = DialectDescriptor(
        id: .ftp765, title: "RFC 765 FTP mail", rfcs: "RFC 765 (IEN 149), \"Appendix on mail\"", date: "June 1980",
        year: 1980,
        summary:
            "Mail as a feature of FTP: the sending host opens an FTP control connection to port 21 of the recipient's own host and sends MAIL <user>, then the text. The envelope names only a user of that host: no sender, no route, so no relaying. MRSQ and MRCP send one text to several users; MSND, MSOM and MSAM aim at a logged-in user's terminal.",
        routeForm: "none: <ident> is a user name at the server",
        limits: "none stated; Mailpath allows command lines of 512 and text lines of 1000, as RFC 821 later did",
        commands: [
            CommandInfo(
                syntax: "MAIL [<SP> <ident>]", section: "RFC 765, Appendix on mail",
                summary: "354, then the text; without an ident, the selected MRSQ scheme applies"),
            CommandInfo(
                syntax: "MSND / MSOM / MSAM [<SP> <ident>]", section: "RFC 765, Appendix on mail",
                summary:
                    "to the terminal (450 when not logged in); terminal or mailbox, terminal and mailbox (119, then mailed)"
            ),
            CommandInfo(
                syntax: "MRSQ [<SP> <scheme>]", section: "RFC 765, Appendix on mail",
                summary: "R, T or ? (215); 501 for a scheme the server cannot use; every MRSQ resets"),
            CommandInfo(
                syntax: "MRCP <SP> <ident>", section: "RFC 765, Appendix on mail",
                summary: "one recipient under the selected scheme (503 with none; 553 for an unknown user)"),
            CommandInfo(
                syntax: "HELP [<SP> <string>]", section: "RFC 765, FTP commands", summary: "214 with help text"),
            CommandInfo(syntax: "NOOP", section: "RFC 765, FTP commands", summary: "200 OK"),
            CommandInfo(syntax: "QUIT", section: "RFC 765, FTP commands", summary: "221, then the server closes"),
            CommandInfo(
                syntax: "USER, PASS, RETR, STOR, MLFL, ...", section: "RFC 765, FTP commands",
                summary: "502: this server does mail only"),
        ],
        replyCodes: MTPRules.rfc765.replyCodes.map(\.rawValue).sorted(), extensions: [], bytes: historicalBytes,
        oddities: [
            "The sender of FTP mail is \"the user specified by the 'USER' command\", yet MAIL \"may be entered before a USER command\"; Mailpath's client never logs in, so the receiver records a null sender.",
            "MLFL sends the text over a data connection \"like a STOR\"; Mailpath has no data connections and answers it 502.",
            "A 151 or 152 is followed by the 354 without any answer from the user: CONT and ABRT came only with RFC 780.",
        ],
        trace: "none: RFC 765 defines no trace field")

    static let mtp772 = DialectDescriptor(
        id: .mtp772, title: "RFC 772 Mail Transfer Protocol (draft)", rfcs: "RFC 772", date: "September 1980",
        year: 1980,
        summary:
            "The first MTP: FTP's mail commands on their own port, with a sender and a source-routed receiver path in MAIL. There is no CONT or ABRT yet (a 120, 151 or 152 is simply followed by the next reply), the sender is a mailbox without a route, and a scheme the receiver cannot use still gets FTP's 501.",
        routeForm: "comma form for the receiver: <@ONE,@TWO,JOE@THREE>; the sender is <mailbox> only",
        limits:
            "reply line 65 (RFC 772 p. 10); Mailpath takes RFC 780's other sizes: user 40, host 20, path 100, command line 200, text line 1000",
        commands: [
            CommandInfo(
                syntax: "MAIL <SP> FROM:<sender> [<SP> TO:<path>]", section: "RFC 772, MTP commands",
                summary: "354 (after a 151/152, if any), then the text"),
            CommandInfo(
                syntax: "MRSQ [<SP> <scheme>]", section: "RFC 772, MTP commands",
                summary: "R, T or ? (215); 501 for a scheme the receiver cannot use"),
            CommandInfo(
                syntax: "MRCP <SP> TO:<path>", section: "RFC 772, MTP commands",
                summary: "one recipient under the selected scheme (503 with none; 553 for an unknown user)"),
            CommandInfo(
                syntax: "HELP [<SP> <string>]", section: "RFC 772, MTP commands", summary: "214 with help text"),
            CommandInfo(syntax: "NOOP", section: "RFC 772, MTP commands", summary: "200 OK"),
            CommandInfo(syntax: "QUIT", section: "RFC 772, MTP commands", summary: "221, then the receiver closes"),
        ],
        replyCodes: MTPRules.rfc772.replyCodes.map(\.rawValue).sorted(), extensions: [], bytes: historicalBytes,
        oddities: [
            "A relay cannot add itself to a <sender> that is a plain mailbox, so a relayed message arrives with the original sender only; RFC 780 §3.2 later made each relay put itself at the front of the sender-path.",
            "RFC 772 says nothing of failure notices; Mailpath sends them from MTP@<host>, as RFC 780 §3.2 does.",
            "The text mentions a 504 reply but its reply list has none; an unknown MRSQ scheme gets 501, as in FTP.",
        ],
        trace: "none: RFC 772 defines no trace field")

    static let mtp780 = DialectDescriptor(
        id: .mtp780, title: "RFC 780 Mail Transfer Protocol", rfcs: "RFC 780 (earlier draft RFC 772)", date: "May 1981",
        year: 1981,
        summary:
            "Mail as its own protocol, still shaped like FTP mail (RFC 765): one MAIL command carries sender and receiver, and the text follows the 354 at once. Several recipients at one host use the MRSQ/MRCP schemes; forwarding is offered with preliminary 151/152 replies answered by CONT or ABRT.",
        routeForm: "comma form: <@ONE,@TWO,JOE@THREE> (§3.2, §5.1.2)",
        limits: "user 40, host 20, path 100, command line 200, reply line 65, text line 1000 (§5.5.3)",
        commands: [
            CommandInfo(
                syntax: "MAIL <SP> FROM:<sender-path> [<SP> TO:<receiver-path>]", section: "RFC 780 §3, §5.1.1",
                summary: "one-step transfer: 354 (or 151/152), then the text"),
            CommandInfo(
                syntax: "MRSQ [<SP> <scheme>]", section: "RFC 780 §4.1",
                summary: "R = recipients first, T = text first, ? = preferred (215); every MRSQ resets"),
            CommandInfo(
                syntax: "MRCP <SP> TO:<receiver-path>", section: "RFC 780 §4.3",
                summary: "one recipient under the selected scheme (503 with none)"),
            CommandInfo(
                syntax: "CONT", section: "RFC 780 §3.1, §5.3",
                summary: "go ahead after a 120, 151 or 152 preliminary reply"),
            CommandInfo(syntax: "ABRT", section: "RFC 780 §3.1", summary: "abort after a preliminary reply (201)"),
            CommandInfo(syntax: "HELP [<SP> <string>]", section: "RFC 780 §5.1.1", summary: "214 with help text"),
            CommandInfo(syntax: "NOOP", section: "RFC 780 §5.1.1", summary: "200 OK"),
            CommandInfo(syntax: "QUIT", section: "RFC 780 §5.1.1", summary: "221, then the receiver closes"),
        ],
        replyCodes: MTPLimits.replyCodes.map(\.rawValue).sorted(), extensions: [], bytes: historicalBytes,
        oddities: [
            "Example 1 uses one-letter hosts (A, Y) although <host> ::= <a> <string> needs two characters; Mailpath accepts them.",
            "§5.1.2's example address [123.255.37.321] has an octet above 255; Mailpath's parser rejects it, as the grammar says.",
            "§5.3 lists only 500, 501, 502, 504 and 421 as errors for CONT and ABRT; Mailpath answers a CONT with nothing to continue 503 (Bad sequence).",
            "A relayed failure is reported from sender-path MTP@host, not a null path (§3.2).",
        ],
        trace: "none: RFC 780 defines no trace field")

    static let smtp788 = DialectDescriptor(
        id: .smtp788, title: "RFC 788 Simple Mail Transfer Protocol", rfcs: "RFC 788", date: "November 1981",
        year: 1981,
        summary:
            "The first SMTP: MAIL, RCPT and DATA split the envelope from the text, HELO opens the session, and relays stamp each message with a Mail-From: line. Source routes still use the comma form.",
        routeForm: "comma form: <@ONE,@TWO,JOE@THREE> (§3.6, §4.1.2)",
        limits: "user 64, host 40, path 256, command line 512, reply line 512, text line 1000, 100 recipients (§4.5.3)",
        commands: smtpCommands("RFC 788", semantics: "§4.1.1", turn: false, ehlo: false),
        replyCodes: SMTPRules.rfc788.replyCodes.map(\.rawValue).sorted(), extensions: [], bytes: historicalBytes,
        oddities: [
            "§4.3 lists only 500, 501 and 421 as errors for RCPT and DATA, though §4.2.1 defines 503; Mailpath answers out-of-order commands 503, as RFC 821 later required."
        ],
        trace: "Mail-From: ABC received by XYZ at 22-OCT-81 09:23:59-UT (§4.1.2)")

    static let smtp821 = DialectDescriptor(
        id: .smtp821, title: "RFC 821 Simple Mail Transfer Protocol", rfcs: "RFC 821 (STD 10)", date: "August 1982",
        year: 1982,
        summary:
            "The SMTP that lasted: colon-form source routes relayed through gateway hosts (each relay moves itself from the forward-path to the reverse-path), TURN, Received: trace lines, and the rule that out-of-order commands get 503 and leave the state alone.",
        routeForm: "colon form: <@ONE,@TWO:JOE@THREE> (§3.6, §4.1.2)",
        limits:
            "user 64, domain 64, path 256, command line 512, reply line 512, text line 1000, 100 recipients (§4.5.3)",
        commands: smtpCommands("RFC 821", semantics: "§4.1.1", turn: true, ehlo: false),
        replyCodes: SMTPRules.rfc821.replyCodes.map(\.rawValue).sorted(), extensions: [], bytes: historicalBytes,
        oddities: [
            "The second page of the RFC Editor's text says \"Request for Comments: DRAFT\".",
            "App. F Scenario 3, step 2: the destination's 221 names the relay (USC-ISIE.ARPA).",
            "App. F Scenario 9 prints \"R: OK\" with no reply code.",
            "Example 8's Return-Path lists the originating host ABC as a route hop.",
            "§4.3's MAIL row has no 503, although §4.1.1 requires 503 for out-of-order commands; Mailpath follows §4.1.1.",
        ],
        trace: "Received: from ABC.ARPA by XYZ.ARPA ; 22 OCT 81 09:23:59 UT (§4.1.2)")

    static let smtp1123 = DialectDescriptor(
        id: .smtp1123, title: "RFC 821 SMTP as RFC 1123 amended it", rfcs: "RFC 821 with RFC 1123 §5 (STD 3)",
        date: "October 1989", year: 1989,
        summary:
            "The host requirements made RFC 821 what sites had to run: every receiver implements VRFY (252: cannot verify, will try), stamps a Received: line naming the client by its HELO name and IP address with a four-digit year, and senders stop sending explicit source routes and pick among equal MX preferences at random.",
        routeForm:
            "colon form, accepted but not sent: \"A Sender-SMTP SHOULD NOT send a RCPT TO: command containing an explicit source route\" (§5.2.6)",
        limits:
            "user 64, domain 64, path 256, command line 512, reply line 512, text line 1000, 100 recipients (RFC 821 §4.5.3)",
        commands: smtpCommands("RFC 821", semantics: "§4.1.1", turn: true, ehlo: false),
        replyCodes: SMTPRules.rfc1123.replyCodes.map(\.rawValue).sorted(), extensions: [], bytes: historicalBytes,
        oddities: [
            "§5.2.6 and §5.2.19 discourage source routes in envelopes and headers but require that they still be accepted: a receiver of this dialect follows one it is given."
        ],
        trace:
            "Received: from ABC.EXAMPLE ([10.0.0.1]) by XYZ.EXAMPLE with SMTP id 7; Fri, 6 Oct 1989 09:23:59 +0000 (§5.2.8, §5.2.14)"
    )

    static let esmtp = DialectDescriptor(
        id: .esmtp, title: "ESMTP: SMTP Service Extensions",
        rfcs:
            "RFC 1869 (after 1425, 1651) with RFC 1870 SIZE, RFC 1854 PIPELINING (October 1995; RFC 2920 of 2000 restates it), RFC 1652 8BITMIME",
        date: "November 1995", year: 1995,
        summary:
            "EHLO asks the server what it can do; a server without extensions answers 500 and the client falls back to HELO. SIZE declares the message size up front, PIPELINING sends MAIL, RCPT and DATA in one group, and 8BITMIME carries 8-bit text.",
        routeForm: "colon form (RFC 821)",
        limits: "as RFC 821; the command line grows by each extension's parameters (RFC 1869 §4.1.2)",
        commands: smtpCommands("RFC 821", semantics: "§4.1.1", turn: true, ehlo: true),
        replyCodes: SMTPRules.rfc1869.replyCodes.map(\.rawValue).sorted(),
        extensions: ["SIZE (RFC 1870)", "PIPELINING (RFC 1854)", "8BITMIME (RFC 1652)", "EXPN, HELP (RFC 1869 §5)"],
        bytes: modernBytes,
        oddities: [
            "RFC 1869 gives two failure codes for EHLO: 550 in §4.2 and 554 in §4.4; Mailpath's client falls back to HELO on either.",
            "RFC 1652 §4's example answers QUIT with \"250 Goodbye\"; Mailpath answers 221.",
            "After a successful EHLO a second EHLO or HELO gets 503 here (§4.2); RFC 2821 later made it a reset.",
        ],
        trace: "Received: from bar.com by foo.com with ESMTP; … (RFC 1869 §7)")

    static let smtp2821 = DialectDescriptor(
        id: .smtp2821, title: "RFC 2821 Simple Mail Transfer Protocol", rfcs: "RFC 2821 (obsoletes 821, 974, 1869)",
        date: "April 2001", year: 2001,
        summary:
            "One document for SMTP with extensions and MX routing. Clients deliver straight to the recipient domain's mail exchanger; source routes \"MUST BE accepted, SHOULD NOT be generated, and SHOULD be ignored\"; too many recipients is 452; a second EHLO resets the session.",
        routeForm: "colon form, accepted and stripped (§4.1.1.3)",
        limits:
            "local part 64, domain 255, path 256, command line 512, reply line 512, text line 1000, 100 recipients (§4.5.3.1)",
        commands: smtpCommands("RFC 2821", semantics: "§4.1.1", turn: true, ehlo: true).map { command in
            var command = command
            if command.syntax == "TURN" { command.summary = "deprecated (App. F.1): answered 502" }
            return command
        },
        replyCodes: SMTPRules.rfc2821.replyCodes.map(\.rawValue).sorted(),
        extensions: ["SIZE (RFC 1870)", "PIPELINING (RFC 2920)", "8BITMIME (RFC 1652)", "EXPN, HELP"],
        bytes: modernBytes,
        oddities: [
            "App. D.3 still shows the relay adding itself to the reverse-path, although §4.1.1.3 says route names \"MUST NOT be copied into the reverse-path\"; Mailpath follows §4.1.1.3.",
            "App. D.3 step 2 ends with the relay's name in the destination's 221.",
            "The reply-code lists of §4.3.2 omit RFC 1869's 455 and 555; Mailpath answers unknown MAIL/RCPT parameters 501.",
            "App. D.4 uses SEND although §F.6 says a server offering it must list it in EHLO; Mailpath implements SEND/SOML/SAML without advertising them.",
            "§4.1.1.1 has a stray \"y\" in its text.",
        ],
        trace: "Received: from bar.com ([10.0.0.1]) by foo.com with ESMTP id 7; Thu, 21 May 1998 05:33:29 +0000 (§4.4)")

    static let smtp5321 = DialectDescriptor(
        id: .smtp5321, title: "RFC 5321 Simple Mail Transfer Protocol", rfcs: "RFC 5321 (obsoletes 2821)",
        date: "October 2008", year: 2008,
        summary:
            "RFC 2821 revised: 455 and 555 are back for MAIL and RCPT parameters, and the examples no longer show source routes.",
        routeForm: "colon form, accepted and stripped",
        limits: "as RFC 2821",
        commands: smtp2821.commands, replyCodes: SMTPRules.rfc5321.replyCodes.map(\.rawValue).sorted(),
        extensions: smtp2821.extensions,
        bytes: modernBytes, oddities: [], trace: smtp2821.trace)
}
