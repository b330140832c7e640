// MailSockets
