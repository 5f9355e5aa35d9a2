// Package safefile reads the small files that campaign files, widget profiles and
// simulator configs name, or that are named on the command line, without trusting
// them: only a regular file is read (a FIFO, a device such as /dev/zero or a
// directory is refused, and opening a FIFO does not block), at most a given number
// of bytes, within a deadline, and, for ReadIn, only inside a directory (".." and
// symbolic links out of it are refused). Errors name the file, never its content.
package safefile
