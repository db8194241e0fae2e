// Package app is cttop's application: it owns the run modes (the
// terminal UI, --once, --tune, --headless), opens the source the command
// line asks for, and wires the sources, the UI, the firewall and the
// metrics exporter together. main parses the command line into a Config
// and calls Run; nothing else imports this package.
package app
