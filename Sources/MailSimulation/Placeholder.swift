// MailSimulation
