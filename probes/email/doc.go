// Package email is the email channel: it sends a scenario's message from a probe mailbox
// over SMTP, keeps each sent probe's record (Pendings), watches the probe mailboxes over
// IMAP (Watcher for one mailbox, Watchers for the fleet: one reader per mailbox across
// processes, by lease), parses and classifies the replies, correlates them with their
// probe through a token carried in the Message-ID, a plus-addressed Reply-To and the
// subject, and closes probes at their deadline (Deadlines). Results leave the package
// through a Publish func; the asynq glue is in workers.
package email
