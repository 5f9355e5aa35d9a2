// Package e2e holds end-to-end tests: a real redis-server, the simulator's SMTP and IMAP
// servers, a worker with the email channel and the SQLite store, a launched campaign,
// and the measured results checked against the simulator's truth log.
package e2e
