package oz

import (
	"io/fs"
	"strconv"
	"syscall"
)

// inodeOf returns a file's inode number, or "" where there is none.
func inodeOf(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return strconv.FormatUint(st.Ino, 10)
	}
	return ""
}
