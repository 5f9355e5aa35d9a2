// Package email is the email channel: it sends a scenario's message from a probe mailbox
// over SMTP, parses and classifies the replies the mail watcher finds over IMAP, and
// correlates them with their probe through a token carried in the Message-ID, a
// plus-addressed Reply-To and the subject.
package email
