import Testing

@testable import MailCore

@Suite struct PathTests {
    static let smtp = PathLimits(path: 256, domain: 64, localPart: 64)
    static let mtp = PathLimits(path: 100, domain: 20, localPart: 40)

    func parse(_ text: String, _ style: RouteStyle, limits: PathLimits = smtp, null: Bool = false) -> Result<
        Path, PathError
    > {
        Path.parse(Substring(text), style: style, limits: limits, allowNull: null)
    }

    @Test(
        "paths round-trip in their own style",
        arguments: [
            ("<@ONE,@TWO:JOE@THREE>", RouteStyle.colon),
            ("<@ONE,@TWO,JOE@THREE>", .comma),
            ("<Smith@USC-ISIF.ARPA>", .colon),
            ("<@USC-ISIE.ARPA:Jones@BBN-VAX.ARPA>", .colon),
            ("<@HOSTA.ARPA,@HOSTB.ARPA:USERC@HOSTD.ARPA>", .colon),
            ("<@Y,@X,fubar@Z>", .comma),
            ("<waldo@A>", .comma),
            ("<\"John Smith\"@HOST.ORG>", .colon),
            ("<Joe\\,Smith@HOST>", .comma),
            ("<user@[10.0.0.73]>", .colon),
            ("<user@#123>", .colon),
            ("<u@3com.com>", .colon),
        ])
    func roundTrip(text: String, style: RouteStyle) throws {
        let path = try parse(text, style).get()
        #expect(path.text(style) == text)
    }

    @Test("the parts of a source-routed path are found in both styles")
    func parts() throws {
        let colon = try parse("<@ONE,@TWO:JOE@THREE>", .colon).get()
        let comma = try parse("<@ONE,@TWO,JOE@THREE>", .comma).get()
        #expect(colon == comma)
        #expect(colon.route == [Domain("ONE"), Domain("TWO")])
        #expect(colon.mailbox == Mailbox(localPart: "JOE", domain: Domain("THREE")))
        #expect(colon.nextHop == Domain("one"))
        #expect(colon.text(.comma) == "<@ONE,@TWO,JOE@THREE>")
    }

    @Test("a route in the other dialect's style does not parse")
    func wrongStyle() {
        #expect(parse("<@ONE,@TWO,JOE@THREE>", .colon) == .failure(.malformedRoute))
        #expect(parse("<@ONE,@TWO:JOE@THREE>", .comma) == .failure(.malformedMailbox))
    }

    @Test(
        "a dot-string has no dot first or last and no two in a row (RFC 821 §4.1.2); quoted, anything goes",
        arguments: ["a.", ".a", "a..b", "."])
    func dotStrings(localPart: String) {
        #expect(!Path.isValidLocalPart(ArraySlice(localPart.utf8)))
        for style in [RouteStyle.colon, .comma] {
            guard case .failure = parse("<\(localPart)@c.org>", style) else {
                Issue.record("<\(localPart)@c.org> parsed")
                continue
            }
        }
        #expect(Path.isValidLocalPart(ArraySlice("\"\(localPart)\"".utf8)))
        #expect((try? parse("<\"\(localPart)\"@c.org>", .colon).get()) != nil)
    }

    @Test("dots between characters are fine, on the fast path and the slow one")
    func goodDots() {
        for localPart in ["a.b", "a.b.c", "J.Q.Public", "a\\.b"] {
            #expect(Path.isValidLocalPart(ArraySlice(localPart.utf8)), "\(localPart)")
            #expect((try? parse("<\(localPart)@c.org>", .colon).get()) != nil, "\(localPart)")
        }
    }

    @Test("the null path is accepted only where allowed")
    func null() {
        #expect(parse("<>", .colon, null: true) == .success(.null))
        #expect(parse("<>", .colon) == .failure(.nullNotAllowed))
        #expect(Path.null.text(.colon) == "<>")
        #expect(Path.null.pushing(Domain("RELAY")) == .null)
    }

    @Test(
        "lowercasedKey is lowercased(), for ASCII and for anything else",
        arguments: [
            "", "joe", "JOE", "Mx.D05.Example", "Relay.Department.Example.ORG", "longer.lower.case.name.example",
            "[10.0.0.1]", "Ärger", "ÉCOLE", "postmaster", "POSTMASTER", "a\u{0130}b",
        ])
    func lowercasedKey(text: String) {
        #expect(text.lowercasedKey() == text.lowercased())
        #expect(Mailbox(localPart: text, domain: nil).isPostmaster == (text.lowercased() == "postmaster"))
    }

    @Test("bare Postmaster only when the dialect allows it (RFC 2821 §4.1.1.3)")
    func postmaster() throws {
        #expect(parse("<Postmaster>", .colon) == .failure(.malformedMailbox))
        let path = try Path.parse("<Postmaster>", style: .colon, limits: Self.smtp, allowPostmaster: true).get()
        #expect(path.mailbox?.isPostmaster == true)
        #expect(path.mailbox?.domain == nil)
    }

    @Test(
        "malformed paths are refused with a reason",
        arguments: [
            ("joe@host", PathError.missingBrackets), ("<joe@host", .missingBrackets), ("<joe>", .malformedMailbox),
            ("<@:joe@host>", .malformedRoute), ("<@A,B:joe@host>", .malformedRoute), ("<jo e@host>", .malformedMailbox),
            ("<joe@-bad>", .malformedDomain("-bad")), ("<joe@a..b>", .malformedDomain("a..b")),
            ("<@A:joe@>", .malformedDomain("")),
            ("<\"open@host>", .malformedMailbox),
        ])
    func malformed(text: String, error: PathError) {
        #expect(parse(text, .colon) == .failure(error))
    }

    @Test("RFC 780's own literal [123.255.37.321] breaks its grammar (321 > 255); 788's [123.255.37.2] is fine")
    func historicalLiteral() {
        #expect(
            parse("<joe@[123.255.37.321]>", .comma, limits: Self.mtp) == .failure(.malformedDomain("[123.255.37.321]")))
        #expect((try? parse("<joe@[123.255.37.2]>", .comma).get()) != nil)
        #expect(Domain("[10.0.0.73]").kind == .literal(0x0a00_0049))
        #expect(Domain("#123").kind == .number(123))
        #expect(Domain("USC-ISIF").kind == .name)
    }

    @Test("limits differ by dialect: MTP hosts 20, RFC 788 hosts 40, RFC 821 domains 64, paths 100 vs 256")
    func limits() {
        let host21 = String(repeating: "a", count: 21)
        #expect(parse("<joe@\(host21)>", .comma, limits: Self.mtp) == .failure(.domainTooLong(limit: 20)))
        #expect((try? parse("<joe@\(host21)>", .colon).get()) != nil)
        let user41 = String(repeating: "u", count: 41)
        #expect(parse("<\(user41)@A>", .comma, limits: Self.mtp) == .failure(.localPartTooLong(limit: 40)))
        let long = "<" + String(repeating: "@relay.example,", count: 20) + "joe@host>"
        #expect(parse(long, .comma, limits: Self.mtp) == .failure(.tooLong(limit: 100)))
        let domain65 = String(repeating: "d", count: 65)
        #expect(parse("<joe@\(domain65)>", .colon) == .failure(.domainTooLong(limit: 64)))
    }

    @Test("domains compare without regard to case but keep their spelling")
    func domainCase() {
        #expect(Domain("USC-ISIF.ARPA") == Domain("usc-isif.arpa"))
        #expect(Set([Domain("A.ORG"), Domain("a.org")]).count == 1)
        #expect(Domain("USC-ISIF.ARPA").text == "USC-ISIF.ARPA")
        // Lower-case names are their own keys; the others compare and hash by their lower-case
        // form, parsed or built, ASCII or not.
        let parsed = try! Path.parse("<joe@Mixed.Case.ORG>", style: .colon, limits: PathTests.smtp).get().mailbox!
            .domain!
        #expect(parsed == Domain("mixed.case.org") && Domain("mixed.case.org") == parsed)
        #expect(parsed.key == "mixed.case.org" && parsed.text == "Mixed.Case.ORG")
        #expect(Set([parsed, Domain("MIXED.case.org"), Domain("mixed.case.org")]).count == 1)
        #expect(Domain("a.org") != Domain("b.org") && Domain("A.ORG") != Domain("b.org"))
        #expect(Domain("ÉCOLE.fr") == Domain("école.fr") && Domain("école.fr").key == "école.fr")
        #expect(Domain.sameName("Mixed.Case.ORG", "mixed.case.org") && Domain.sameName("d1.net", "d1.net"))
        #expect(!Domain.sameName("d1.net", "d2.net") && !Domain.sameName("D1.NET", "d2.net"))
    }
}

/// Route rewriting exactly as the RFCs print it: the relay pops itself from the forward-path and
/// pushes itself onto the reverse-path.
@Suite struct RouteRewritingTests {
    @Test("RFC 821 §4.1.1: relay A sends to B with itself moved to the reverse-path")
    func rfc821Example() throws {
        let limits = PathTests.smtp
        let from = try Path.parse("<USERX@HOSTY.ARPA>", style: .colon, limits: limits).get()
        let to = try Path.parse("<@HOSTA.ARPA,@HOSTB.ARPA:USERC@HOSTD.ARPA>", style: .colon, limits: limits).get()
        #expect(from.pushing(Domain("HOSTA.ARPA")).text(.colon) == "<@HOSTA.ARPA:USERX@HOSTY.ARPA>")
        #expect(to.poppingFirstHop.text(.colon) == "<@HOSTB.ARPA:USERC@HOSTD.ARPA>")
    }

    @Test("RFC 780 §5.1.1: MAIL FROM:<X@Y> TO:<@A,@B,C@D> is relayed as FROM:<@A,X@Y> TO:<@B,C@D>")
    func rfc780Example() throws {
        let from = try Path.parse("<X@Y>", style: .comma, limits: PathTests.mtp).get()
        let to = try Path.parse("<@A,@B,C@D>", style: .comma, limits: PathTests.mtp).get()
        #expect(from.pushing(Domain("A")).text(.comma) == "<@A,X@Y>")
        #expect(to.poppingFirstHop.text(.comma) == "<@B,C@D>")
    }

    @Test("the last route element takes the colon with it (RFC 821 App. F Scenario 3)")
    func lastHop() throws {
        let to = try Path.parse("<@USC-ISIE.ARPA:Jones@BBN-VAX.ARPA>", style: .colon, limits: PathTests.smtp).get()
        #expect(to.poppingFirstHop.text(.colon) == "<Jones@BBN-VAX.ARPA>")
        let from = try Path.parse("<JQP@MIT-AI.ARPA>", style: .colon, limits: PathTests.smtp).get()
        #expect(from.pushing(Domain("USC-ISIE.ARPA")).text(.colon) == "<@USC-ISIE.ARPA:JQP@MIT-AI.ARPA>")
    }

    @Test(
        "A relays through D, P and U to Z: the paths at every hop, in both styles",
        arguments: [RouteStyle.colon, .comma])
    func fourHops(style: RouteStyle) {
        var forward = Path(route: ["D", "P", "U"].map(Domain.init), mailbox: Mailbox("joe@Z"))
        var reverse = Path(Mailbox("ann@A"))
        var hops: [String] = []
        for relay in ["D", "P", "U"] {
            #expect(forward.nextHop == Domain(relay))
            forward = forward.poppingFirstHop
            reverse = reverse.pushing(Domain(relay))
            hops.append("MAIL FROM:\(reverse.text(style)) RCPT TO:\(forward.text(style))")
        }
        let separator = style == .colon ? ":" : ","
        #expect(
            hops == [
                "MAIL FROM:<@D\(separator)ann@A> RCPT TO:<@P,@U\(separator)joe@Z>",
                "MAIL FROM:<@P,@D\(separator)ann@A> RCPT TO:<@U\(separator)joe@Z>",
                "MAIL FROM:<@U,@P,@D\(separator)ann@A> RCPT TO:<joe@Z>",
            ])
        // RFC 821 §4.1.1 Example 8: the Return-Path at the destination lists the relays, latest first.
        #expect(TraceFields.returnPath(reverse, style: style) == "Return-Path: <@U,@P,@D\(separator)ann@A>\r\n")
    }
}

/// RFC 1123 §5.2.16: routes carried in the local part, for the host the domain names.
@Suite struct EmbeddedRouteTests {
    @Test("the %-hack binds right and lowest: user%domain%relay3%relay2@relay1 goes to relay2 next (RFC 1123 §5.2.16)")
    func percent() {
        #expect(Mailbox("user%domain%relay3%relay2@relay1").embeddedRoute == Mailbox("user%domain%relay3@relay2"))
        #expect(Mailbox("user%domain@relay3").embeddedRoute == Mailbox("user@domain"))
        // "a!b%c" is "(a!b)%c": to c first.
        #expect(Mailbox("a!b%c@gw").embeddedRoute == Mailbox("a!b@c"))
        #expect(Mailbox("joe@Z").embeddedRoute == nil)
        // Nothing on one side of the operator: no route.
        #expect(Mailbox("%c@gw").embeddedRoute == nil && Mailbox("joe%@gw").embeddedRoute == nil)
    }

    @Test("a UUCP bang path a!b!c!user@gateway-domain goes to a, then b, then c (RFC 1123 §5.2.6 DISCUSSION)")
    func bang() {
        #expect(Mailbox("a!b!c!user@gateway").embeddedRoute == Mailbox("b!c!user@a"))
        #expect(Mailbox("c!user@b").embeddedRoute == Mailbox("user@c"))
        #expect(Mailbox("!user@b").embeddedRoute == nil && Mailbox("c!@b").embeddedRoute == nil)
    }

    @Test(
        "a sender writes the host table's route in the local part, and each relay reading it in turn gets the route back"
    )
    func roundTrip() {
        let relays = [Domain("D"), Domain("P"), Domain("U")]
        for encoding in EmbeddedRoute.allCases {
            var mailbox = Mailbox("joe@Z").embedding(route: relays, as: encoding)
            #expect(mailbox.description == (encoding == .percent ? "joe%Z%U%P@D" : "P!U!Z!joe@D"))
            var visited: [String] = [mailbox.domain!.text]
            while let next = mailbox.embeddedRoute {
                mailbox = next
                visited.append(next.domain!.text)
            }
            #expect(visited == ["D", "P", "U", "Z"] && mailbox == Mailbox("joe@Z"), "\(encoding)")
        }
        #expect(Mailbox("joe@Z").embedding(route: [], as: .percent) == Mailbox("joe@Z"))
    }
}
