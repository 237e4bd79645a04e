package fsx

import (
	"errors"
	"io"
	"os"
)

// ReadTail reads at most max bytes from the end of a file.
func ReadTail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max64(0, fi.Size()-max)
	buf := make([]byte, fi.Size()-off)
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
