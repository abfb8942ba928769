package rtp

import "bytes"

var (
	startCode3 = []byte{0, 0, 1}
	startCode4 = []byte{0, 0, 0, 1}
)

// nextNAL returns the first NAL unit of an Annex B byte stream (ITU-T H.264
// Annex B, H.265 Annex B) and the rest of the stream, which begins at the
// next start code. Zero octets before a start code (trailing_zero_8bits or
// the first octet of a four-byte start code) are not part of the NAL unit.
// A stream with no start code is one NAL unit.
func nextNAL(b []byte) (nal, rest []byte) {
	i := bytes.Index(b, startCode3)
	if i < 0 {
		return b, nil
	}
	b = b[i+3:]
	j := bytes.Index(b, startCode3)
	if j < 0 {
		return b, nil
	}
	end := j
	for end > 0 && b[end-1] == 0 {
		end--
	}
	return b[:end], b[j:]
}
