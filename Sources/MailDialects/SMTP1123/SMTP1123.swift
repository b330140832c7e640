import MailCore

// RFC 821 as RFC 1123 §5 amended it (Requirements for Internet Hosts, October 1989). The
// receiver's changes are here: §5.2.3 VRFY MUST be implemented, with the new 252 reply; §5.2.8
// every receiver inserts a `Received:` line whose FROM field SHOULD give the HELO name and an IP
// domain literal; §5.2.14 four-digit years and numeric time zones. The sender's are the era's
// factors: §5.2.6 a sender SHOULD NOT send explicit source routes, §5.3.4 exchangers of equal
// preference SHOULD be chosen at random (Experiments, era `smtp-1989`). Everything else is RFC 821's.

extension SMTPRules {
    /// RFC 821's rules with RFC 1123's amendments to the receiver, and nothing else.
    public static let rfc1123: SMTPRules = {
        var rules = SMTPRules.rfc821
        rules.dialect = .smtp1123
        // §5.2.8 (HELO name and domain literal) and §5.2.14 (four-digit years, numeric zones): the
        // form RFC 2821 §4.4 later wrote down.
        rules.traceStyle = .received2821
        // §5.2.3: "252 Cannot VRFY user (e.g., info is not local), but will take message for this
        // user and attempt delivery."
        rules.hasReply252 = true
        rules.replyCodes.insert(ReplyCode(252))
        return rules
    }()
}
