// MailAgent
