package media

import (
	"errors"
	"io"
	"slices"
)

// readChunk is the most a reader grows a caller's buffer by before the
// bytes to fill it have arrived, so a header that lies about a size costs
// at most this much memory before the read fails.
const readChunk = 1 << 20

// appendRead reads exactly n bytes from r and appends them to dst. It
// grows dst in steps of at most readChunk, so a truncated input never
// causes an allocation much larger than the bytes it holds. A short input
// is ErrCorrupt (io.ErrUnexpectedEOF); dst is returned unextended.
func appendRead(r io.Reader, dst []byte, n int) ([]byte, error) {
	start := len(dst)
	for n > 0 {
		c := n
		if cap(dst)-len(dst) < n {
			c = min(n, readChunk)
		}
		l := len(dst)
		dst = slices.Grow(dst, c)[:l+c]
		if _, err := io.ReadFull(r, dst[l:]); err != nil {
			return dst[:start], truncated(err)
		}
		n -= c
	}
	return dst, nil
}

// truncated turns an end of input in the middle of a structure into an
// error that says so.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.Join(ErrCorrupt, io.ErrUnexpectedEOF)
	}
	return err
}

// readHeader reads a fixed-size header. A clean end of input before its
// first byte is io.EOF (the end of the file); anything else short is
// ErrCorrupt.
func readHeader(r io.Reader, b []byte) error {
	n, err := io.ReadFull(r, b)
	if err == io.EOF && n == 0 {
		return io.EOF
	}
	if err != nil {
		return truncated(err)
	}
	return nil
}
