import MailpathCLI

CLI.run(arguments: Array(CommandLine.arguments.dropFirst()), console: .standard).terminateProcess()
