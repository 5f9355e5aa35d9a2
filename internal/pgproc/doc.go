// Package pgproc starts a private PostgreSQL server as a child process, for tests: initdb
// into a new temporary directory, then postgres on a free 127.0.0.1 port with trust
// authentication, a unix socket inside that directory and durability turned off for speed.
//
// It uses Debian's server binaries (package postgresql, /usr/lib/postgresql/<major>/bin) and
// never touches a PostgreSQL the user runs: no system socket, no port 5432, no service.
// PostgreSQL refuses to run as root, so as root the server runs as the postgres system user
// that the Debian package creates.
package pgproc
