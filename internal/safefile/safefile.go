package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds one read when the context has no earlier deadline.
const DefaultTimeout = 10 * time.Second

// Errors a read can end with, besides the ones of the file system (wrapped in an
// *fs.PathError naming the file) and the context's.
var (
	// ErrNotRegular is returned for a FIFO, a device, a socket or a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge is returned for a file larger than the limit.
	ErrTooLarge = errors.New("file too large")
	// ErrOutside is returned by ReadIn for a name that leads out of its directory.
	ErrOutside = errors.New("outside the allowed directory")
)

// ReadFile reads the regular file at path, of at most limit bytes.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	return read(ctx, path, limit, func() (*os.File, error) {
		return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	})
}

// ReadIn reads the regular file name, of at most limit bytes, inside directory dir.
// A relative name is taken from dir; an absolute one must lie inside dir. A name
// that leads out of dir, by ".." or by a symbolic link (followed inside dir only),
// gives an error wrapping ErrOutside.
func ReadIn(ctx context.Context, dir, name string, limit int64) ([]byte, error) {
	rel, err := Inside(dir, name)
	if err != nil {
		return nil, err
	}
	return read(ctx, name, limit, func() (*os.File, error) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		defer root.Close()
		f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent" {
			return nil, fmt.Errorf("%s: %w %s (a symbolic link leads out of it)", name, ErrOutside, dir)
		}
		return f, err
	})
}

// Inside returns name relative to dir, after checking that it stays inside dir
// lexically (symbolic links are checked by ReadIn when it opens the file).
func Inside(dir, name string) (string, error) {
	rel := filepath.Clean(name)
	if filepath.IsAbs(name) {
		absDir, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if rel, err = filepath.Rel(absDir, rel); err != nil {
			return "", fmt.Errorf("%s: %w %s", name, ErrOutside, dir)
		}
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: %w %s", name, ErrOutside, dir)
	}
	return rel, nil
}

// read runs open and reads the file in a goroutine, so that a file system that
// hangs cannot hold the caller past the deadline or the end of ctx.
func read(ctx context.Context, name string, limit int64, open func() (*os.File, error)) ([]byte, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, DefaultTimeout, fmt.Errorf("read %s: took longer than %v: %w", name, DefaultTimeout, context.DeadlineExceeded))
	defer cancel()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := readOpened(name, limit, open)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("read %s: %w", name, context.Cause(ctx))
	}
}

func readOpened(name string, limit int64, open func() (*os.File, error)) ([]byte, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", name, ErrNotRegular, kind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d", name, ErrTooLarge, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit { // it grew since Stat
		return nil, fmt.Errorf("%s: %w: more than %d bytes", name, ErrTooLarge, limit)
	}
	return data, nil
}

// kind names what a file that is not regular is.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.Type().String()
}
