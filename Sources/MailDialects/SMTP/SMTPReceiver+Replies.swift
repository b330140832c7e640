import MailCore

// The receiver-SMTP's replies: what it answers to errors, parameters, recipients, EHLO, VRFY,
// EXPN and HELP, and how replies are written (batched under pipelining, RFC 2920 §3.2).
extension SMTPReceiver {
    // MARK: Replies

    func reply(for error: SMTPCommandError) -> Reply {
        switch error {
        case .unrecognized: Reply(.syntaxError, "Syntax error, command unrecognized")
        case .notImplemented(let verb): Reply(.notImplemented, "\(verb.rawValue) not implemented")
        case .syntax(let verb, let detail): Reply(.parameterSyntaxError, "Syntax error in \(verb.rawValue): \(detail)")
        case .path(let verb, let error):
            Reply(error.isMailboxProblem ? .mailboxNameNotAllowed : .parameterSyntaxError, "\(verb.rawValue): \(error)")
        case .unknownParameter(_, let detail): Reply(rules.unknownParameter, detail)
        }
    }

    /// A refusal of MAIL parameters, or `nil` to accept them (RFC 1870 §6.1, RFC 1652 §3).
    func refusal(of parameters: MailParameters) -> Reply? {
        if parameters.size != nil, !policy.extensions.contains(.size) {
            return Reply(rules.unknownParameter, "SIZE not supported")
        }
        if parameters.body != nil, !policy.extensions.contains(.eightBitMIME) {
            return Reply(rules.unknownParameter, "BODY not supported")
        }
        if let size = parameters.size, let maximum = policy.maxMessageSize, size > maximum {
            return Reply(.exceededStorage, "Message size exceeds fixed maximum message size")
        }
        return nil
    }

    /// The reply to one RCPT (`nil`: a plain 250 OK, sent from its stored wire form) and the
    /// recipient, if accepted.
    func recipientReply(_ path: consuming Path, mode: DeliveryMode, count: Int) -> (Reply?, AcceptedRecipient?) {
        if count >= policy.maxRecipients {
            return (Reply(rules.tooManyRecipients, "Too many recipients, try again in another transaction"), nil)
        }
        switch policy.verdict(for: path, stripRoutes: rules.stripsRoutes) {
        case .accept(let disposition):
            if case .local(let mailbox) = disposition, mode != .mail {
                let active = policy.activeUsers.contains(mailbox.localPart.lowercasedKey())
                switch (mode, active) {
                case (.send, false):
                    return (Reply(.mailboxBusy, "User not active now"), nil)  // RFC 821 §3.4, App. F Scenario 5
                case (.sendOrMail, false):
                    return (
                        Reply(.okay, "User not active now, so will do mail."),
                        AcceptedRecipient(path: path, disposition: disposition)
                    )
                default: break
                }
            }
            switch disposition {
            case .forward(let mailbox):
                return (
                    Reply(.userNotLocalWillForward, "User not local; will forward to <\(mailbox)>"),
                    AcceptedRecipient(path: path, disposition: disposition)
                )
            case .operatorForward:
                return (Reply(.mailboxUnavailable, "No such user here"), nil)
            case .local, .relay:
                return (nil, AcceptedRecipient(path: path, disposition: disposition))
            }
        case .pleaseTry(let mailbox):
            return (Reply(.userNotLocal, "User not local; please try <\(mailbox)>"), nil)
        case .unknownUser:
            return (Reply(.mailboxUnavailable, "No such user here"), nil)
        case .relayDenied:
            return (Reply(.mailboxUnavailable, "Relaying not allowed here"), nil)
        }
    }

    /// RFC 1869 §4.3: the first line names the server, then one keyword per line
    /// (`ReceiverPolicy.replyTexts`, written on the wire once per policy).
    mutating func sendEHLOReply(for client: String) {
        let keywords = policy.replyTexts.encodedEHLOKeywords
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24 + policy.hostName.utf8.count + client.utf8.count + keywords.count)
        bytes.write { line in
            line.put(literal: keywords.isEmpty ? "250 " : "250-")
            line.put(utf8: policy.hostName)
            line.put(literal: " greets ")
            line.put(utf8: client)
            line.put(literal: "\r\n")
        }
        bytes.append(contentsOf: keywords)
        send(encoded: bytes)
    }

    /// Replies every session sends, as written on the wire.
    static let okay = Reply(.okay, "OK").encoded
    static let startMailInput = Reply(.startMailInput, "Start mail input; end with <CRLF>.<CRLF>").encoded

    /// VRFY (RFC 821 §3.3, §4.1.1; RFC 1123 §5.2.3; RFC 2821 §3.5.3).
    func verify(_ string: String) -> Reply {
        guard policy.verifiesUsers else {
            return rules.hasReply252
                ? Reply(.cannotVerify, "Cannot VRFY user, but will accept message and attempt delivery")
                : Reply(.notImplemented, "VRFY not implemented")
        }
        var wanted = string.trimmingCharacters(in: "<>")
        if let at = wanted.lastIndex(of: "@") {
            guard policy.localDomains.contains(Domain(String(wanted[wanted.index(after: at)...]))) else {
                return Reply(.mailboxUnavailable, "String does not match anything")
            }
            wanted = String(wanted[..<at])
        }
        let key = wanted.lowercased()
        if let moved = policy.forwards[key] {
            return policy.forwardsMovedUsers
                ? Reply(.userNotLocalWillForward, "User not local; will forward to <\(moved)>")
                : Reply(.userNotLocal, "User not local; please try <\(moved)>")
        }
        var matches = policy.fullNames.filter { user, name in
            user == key || name.lowercased().split(separator: " ").contains { $0 == key }
        }.keys.sorted()
        if matches.isEmpty, policy.userExists(wanted), policy.users != nil || key == "postmaster" { matches = [key] }
        switch matches.count {
        case 0: return Reply(.mailboxUnavailable, "String does not match anything")
        case 1:
            let user = matches[0]
            let address = "<\(originalCase(user))@\(policy.hostName)>"
            return Reply(.okay, policy.fullNames[user].map { "\($0) \(address)" } ?? address)
        default:
            return Reply(.mailboxNameNotAllowed, "User ambiguous")  // RFC 821 §3.3
        }
    }

    func originalCase(_ user: String) -> String {
        policy.users?.first { $0.lowercasedKey() == user } ?? user
    }

    /// EXPN (RFC 821 §3.3: one mailbox per line of a multi-line reply).
    func expand(_ string: String) -> Reply {
        guard let members = policy.mailingLists[string.lowercased()], !members.isEmpty else {
            return Reply(.mailboxUnavailable, "Access denied to you or no such list")
        }
        return Reply(.okay, members)
    }

    func help(_ topic: String?) -> Reply {
        let verbs = rules.commands.map(\.rawValue).joined(separator: " ")
        return Reply(
            .helpMessage,
            ["\(policy.hostName) speaks \(rules.dialect.displayName)", "Commands: \(verbs)", "End of HELP info"])
    }

    // MARK: Output

    mutating func send(_ reply: Reply, bufferable: Bool = false) {
        batch.append(reply)
        if !(bufferable && buffersReplies && state == .commands) { flush() }
    }

    /// Sends a reply already in wire form (see `ReplyBatch.append(encoded:)`).
    mutating func send(encoded reply: [UInt8], bufferable: Bool = false) {
        batch.append(encoded: reply)
        if !(bufferable && buffersReplies && state == .commands) { flush() }
    }

    mutating func flush() {
        guard !batch.isEmpty else { return }
        actions.append(.send(batch))
        batch = ReplyBatch()
    }

    mutating func close() {
        flush()
        actions.append(.close)
        state = .closed
        deadline = nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var result = Substring(self)
        while let first = result.first, set.contains(first) { result.removeFirst() }
        while let last = result.last, set.contains(last) { result.removeLast() }
        return String(result)
    }
}
