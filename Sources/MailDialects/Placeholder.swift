// MailDialects
